// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import type { StatusReport } from "../api";
import { setLang } from "../i18n";
import { drillOutcome, drillSummary, renderDrills, type DrillsStatus } from "./drills";

const NOW = Date.parse("2026-12-06T05:00:00Z");
const KEY = "segments/retention=90/CABANG-01/cab-kasir/2026/11/01/x.mp4";
const failed: DrillsStatus = {
  last_at: "2026-12-06T03:00:00Z",
  sampled: 50,
  failed: [
    {
      site: "CABANG-01",
      camera: "cab-kasir",
      start: "2026-11-01T02:00:00Z",
      key: KEY,
      outcome: "hash_mismatch",
      reason: "SHA-256 0badc0ffee00 is not the index's 5ca1ab1e0000",
    },
  ],
  fraction_verified_30d: 0.0123,
  archive_segments: 12345,
};

function report(drills: DrillsStatus | null | undefined): StatusReport {
  const site = {
    id: "CABANG-01",
    name: "Cabang Makassar",
    timezone: "Asia/Makassar",
    last_upload: null,
    stale: false,
    backlog: null,
    cameras: [{ id: "cab-kasir", name: "Kasir", state: "recording", last_segment_end: null, coverage_24h: 1 }],
  };
  const body = { generated_at: "2026-12-06T05:00:00Z", sites: [site] };
  return (drills === undefined ? body : { ...body, drills }) as unknown as StatusReport;
}

afterEach(() => setLang("id"));

describe("restore drills on the status page", () => {
  it("says when, how many, how many failed and the share verified, in the user's language", () => {
    setLang("id");
    expect(drillSummary(failed, NOW)).toBe(
      "Terakhir 2 jam lalu: 50 rekaman diambil kembali dan diperiksa · 1 GAGAL · 1,2% arsip terverifikasi dalam 30 hari (12.345 rekaman)",
    );
    setLang("en");
    expect(drillSummary({ ...failed, failed: [] }, NOW)).toBe(
      "Last 2 h ago: 50 recordings fetched back and checked · all passed · 1.2% of the archive verified in 30 days (12,345 recordings)",
    );
    expect(drillSummary({ ...failed, last_at: null }, NOW)).toBe("No restore drill in 30 days.");
  });

  it("names each failed recording with its camera, the site's clock and the object", () => {
    setLang("id");
    const section = renderDrills(report(failed), false, NOW)!;
    expect(section.querySelector("h2")!.textContent).toBe("Uji pemulihan");
    expect(section.querySelector(".drill-summary")!.classList.contains("bad")).toBe(true);
    const [row] = [...section.querySelectorAll<HTMLTableRowElement>("tr.drill-failure")];
    expect(row!.dataset.outcome).toBe("hash_mismatch");
    expect(row!.querySelector("th")!.textContent).toBe("Cabang Makassar · Kasir");
    expect(row!.querySelector(".when")!.textContent).toBe("01/11/2026 10:00:00 WITA");
    expect(row!.querySelector(".outcome")!.textContent).toBe("isinya berubah (SHA-256 tidak cocok dengan indeks)");
    expect(row!.querySelector(".object")!.textContent).toBe(KEY);
    expect(section.querySelector("details.tech")).toBeNull(); // no tool words for viewers
    expect(section.querySelector("[style]")).toBeNull(); // CSP: classes only
  });

  it("shows the check's own words to admins only, and an unknown outcome as its code", () => {
    const section = renderDrills(report(failed), true, NOW)!;
    expect(section.querySelector("details.tech code")!.textContent).toContain("0badc0ffee00");
    expect(drillOutcome("bit_rot")).toBe("bit_rot");
    setLang("en");
    expect(drillOutcome("missing")).toBe("missing from storage");
  });

  it("has no table when all passed and is left out where no drill log is kept", () => {
    const passed = renderDrills(report({ ...failed, failed: [] }), false, NOW)!;
    expect(passed.querySelector("table")).toBeNull();
    expect(passed.querySelector(".drill-summary")!.classList.contains("bad")).toBe(false);
    expect(renderDrills(report(null))).toBeNull();
    expect(renderDrills(report(undefined))).toBeNull();
  });
});
