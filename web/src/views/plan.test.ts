// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { renderPlan } from "./plan";
import { type DeploymentPlan, type SitePlan, WEEK_H, siteVerdict, weekChart, weekHour } from "./plan-model";

const GB_HOUR = 4 * 0.45; // 4 Mbit/s is 1.8 GB an hour
function site(overrides: Partial<SitePlan>): SitePlan {
  return {
    site: "HO", name: "Kantor Pusat", timezone: "Asia/Jakarta", cameras: 1, keeps_up: true, limit: null,
    level: 0, profile: "copy", recorded_gb_day: 43.2, upload_gb_day: 43.2, capacity_gb_day: 540,
    slowest_day_gb: 540, growth_gb_day: 0, backlog_peak_gb: 0, peak_at: 1, drained_at: 2, cpu_cores: 0,
    cpu_budget_cores: 1, heaviest_gb_day: 13.1, heaviest_cpu_cores: 2.03,
    backlog_gb: Array<number>(WEEK_H).fill(0), capacity_gb: Array<number | null>(WEEK_H).fill(22.5),
    ...overrides,
  }; // prettier-ignore
}

const slow = site({
  site: "CABANG-02", name: "Cabang 02", cameras: 2, keeps_up: false, limit: "uplink", recorded_gb_day: 86.4,
  upload_gb_day: 86.4, capacity_gb_day: 21.6, slowest_day_gb: 21.6, growth_gb_day: 64.8, drained_at: null,
  heaviest_gb_day: 26.3, heaviest_cpu_cores: 4.06, capacity_gb: Array<number | null>(WEEK_H).fill(0.9),
  backlog_gb: Array.from({ length: WEEK_H }, (_, i) => (i + 1) * GB_HOUR),
}); // prettier-ignore

const plan: DeploymentPlan = {
  measured_from: "",
  prices: "2026-12 (assumed)",
  horizon_days: 180,
  sites: [site({}), slow],
  cameras: [],
  costs: {
    region: "ap-southeast-3", prices: "ap-southeast-3", hours_watched: 100, stored_tb: 19.76, storage: 186.3,
    requests: 4.64, processing: 1.34, transfer_out: 12.15, total: 204.43, kvs_ingest: 37.18,
    kvs_storage: 454.57, kvs_hls: 1.45, kvs_transfer_out: 10.93, kvs_total: 504.13,
  }, // prettier-ignore
};

afterEach(() => setLang("id"));

describe("plan page", () => {
  it("names the branch that cannot keep up, with its numbers, in both languages", () => {
    setLang("en");
    expect(siteVerdict(slow)).toBe(
      "CANNOT KEEP UP: the cameras record 86.4 GB/day, the uplink carries 21.6 GB/day; it sends 86.4 GB/day" +
        " and the backlog grows 64.8 GB/day. Even the heaviest level sends 26.3 GB/day (with 4.06 CPU cores):" +
        " a faster line, a longer schedule or lower camera bitrates.",
    );
    expect(siteVerdict(site({}))).toBe("the uplink keeps up, at level 0 (copy).");
    setLang("id");
    expect(siteVerdict(slow)).toContain("kamera merekam 86,4 GB/hari, jalur membawa 21,6 GB/hari");
    expect(siteVerdict({ ...slow, limit: "cpu" })).toContain("lebih dari 1 inti CPU");
  });

  it("renders the sites' table, a week chart per site and the costs, without style attributes", () => {
    setLang("en");
    const page = renderPlan(plan);
    const rows = [...page.querySelectorAll("#plan-sites tbody tr")];
    expect(rows.map((r) => r.getAttribute("data-site"))).toEqual(["HO", "CABANG-02"]);
    expect(rows[1]?.classList.contains("bad")).toBe(true);
    expect(rows[1]?.textContent).toContain("grows 64.8 GB/day");
    const charts = page.querySelectorAll("svg.plan-chart");
    expect(charts).toHaveLength(2);
    expect(charts[1]?.querySelectorAll(".plan-capacity rect")).toHaveLength(WEEK_H);
    expect(charts[1]?.querySelector(".plan-backlog")?.getAttribute("points")?.split(" ")).toHaveLength(WEEK_H + 2);
    expect(page.querySelector("#plan-costs")?.textContent).toContain("$504.13");
    expect(page.querySelector("[style]")).toBeNull();
    expect(page.textContent).toContain("Nothing measured yet");
  });

  it("scales the chart: capacity bars and the line on one scale, the backlog on its own", () => {
    const chart = weekChart(slow, 168, 100, 50);
    expect(chart.maxRateGb).toBeCloseTo(3.6); // sends 86.4 / 24 an hour, above the 0.9 capacity
    expect(chart.bars[0]).toEqual({ x: 0, y: 50 - (0.9 / 3.6) * 50, height: (0.9 / 3.6) * 50 });
    expect(chart.sendsY).toBeCloseTo(0);
    expect(chart.backlog.split(" ").at(-1)).toBe("168.0,50.0"); // the peak at the band's top
    expect(weekChart(site({ capacity_gb: Array<number | null>(WEEK_H).fill(null) }), 168, 100, 50).bars).toEqual([]);
  });

  it("says the hour of the week in the user's language", () => {
    setLang("en");
    expect(weekHour(18)).toBe("Mon 18:00");
    expect(weekHour(24 * 5 + 2)).toBe("Sat 02:00");
    setLang("id");
    expect(weekHour(18)).toMatch(/^Sen 18[.:]00$/);
  });
});
