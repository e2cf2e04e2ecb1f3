// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type StatusReport, configureApi } from "../api";
import { DEFAULT_CONFIG } from "../config";
import { setLang } from "../i18n";
import { parseHash } from "../router";
import { mountStatus, renderStatusTable } from "./status";

const now = Date.parse("2024-01-15T03:10:00Z");

const report: StatusReport = {
  generated_at: "2024-01-15T03:10:00Z",
  sites: [
    {
      id: "HO",
      name: "Head Office",
      timezone: "Asia/Jakarta",
      last_upload: "2024-01-15T03:05:00Z",
      stale: false,
      backlog: {
        segments: 3,
        bytes: 1536 * 1024,
        oldest: "2024-01-15T03:08:00Z",
        rate_bps: 3.1e6,
        avg_rate_bps: 2.45e6,
        eta_s: 1500,
        compression_ratio: 3.14,
        compression_profile: "cctv-h264",
      },
      cameras: [
        {
          id: "HO-1",
          name: "Lobby",
          state: "recording",
          last_segment_end: "2024-01-15T03:09:00Z",
          coverage_24h: 0.995,
          live: "live",
          live_viewers: 2,
        },
        {
          id: "HO-2",
          name: "Gate",
          state: "offline",
          last_segment_end: null,
          coverage_24h: 0.4,
          live: "retrying",
          live_problem: "no_video",
          live_error: "no video from the feed",
        },
      ],
    },
    {
      id: "PAP",
      name: "Jayapura",
      timezone: "Asia/Jayapura",
      last_upload: "2024-01-15T02:00:00Z",
      stale: true,
      backlog: null,
      cameras: [{ id: "PAP-1", name: "Yard", state: "disabled", last_segment_end: null, coverage_24h: 0 }],
    },
  ],
};

describe("status table", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it("has a row per site and camera with data attributes", () => {
    const table = renderStatusTable(report, now);
    expect([...table.querySelectorAll("tr[data-site].site-row")].map((row) => row.getAttribute("data-site"))).toEqual(["HO", "PAP"]);
    expect([...table.querySelectorAll("tr[data-camera]")].map((row) => row.getAttribute("data-camera"))).toEqual(["HO-1", "HO-2", "PAP-1"]);
    expect(table.querySelector('tr[data-camera="HO-2"]')?.getAttribute("data-site")).toBe("HO");
  });

  it("marks offline cameras and stale sites as bad", () => {
    const table = renderStatusTable(report, now);
    expect(table.querySelector('tr.site-row[data-site="HO"]')?.classList.contains("bad")).toBe(false);
    expect(table.querySelector('tr.site-row[data-site="PAP"]')?.classList.contains("bad")).toBe(true);
    expect(table.querySelector('tr[data-camera="HO-1"]')?.classList.contains("bad")).toBe(false);
    expect(table.querySelector('tr[data-camera="HO-2"]')?.classList.contains("bad")).toBe(true);
    expect(table.querySelector('tr[data-camera="PAP-1"]')?.classList.contains("muted")).toBe(true);
  });

  it("shows relative and absolute site times, backlog and coverage", () => {
    const table = renderStatusTable(report, now);
    const ho = table.querySelector('tr.site-row[data-site="HO"]');
    expect(ho?.querySelector(".when .relative")?.textContent).toBe("5 min ago");
    expect(ho?.querySelector(".when .absolute")?.textContent).toBe("15/01/2024 10:05:00 WIB");
    expect(ho?.querySelector(".backlog")?.textContent).toBe(
      "3 segments · 1.5 MBoldest 2 min ago2.5 Mbit/s · empty in 25 min · compression 3.1:1 (cctv-h264)",
    );
    expect(table.querySelector('tr.site-row[data-site="PAP"] .absolute')?.textContent).toBe("15/01/2024 11:00:00 WIT");
    expect(table.querySelector('tr[data-camera="HO-1"] .coverage')?.textContent).toBe("99.5%");
    expect(table.querySelector('tr[data-camera="HO-2"] .when')?.textContent).toBe("—");
  });

  it("shows each camera's live relay state, its viewers and why it retries", () => {
    const table = renderStatusTable(report, now);
    expect(table.querySelector('tr[data-camera="HO-1"] .live')?.textContent).toBe("On air · 2 watching");
    const retrying = table.querySelector('tr[data-camera="HO-2"] .live');
    expect(retrying?.textContent).toBe("Retrying");
    expect(retrying?.classList.contains("bad")).toBe(true);
    expect(retrying?.getAttribute("title")).toBe("The camera sends no video"); // the words: admins' details
    expect(table.querySelector('tr[data-camera="PAP-1"] .live')?.textContent).toBe("–"); // no relay known
  });

  it("speaks Indonesian by default", () => {
    setLang("id");
    const table = renderStatusTable(report, now);
    expect(table.querySelector('tr.site-row[data-site="HO"] .relative')?.textContent).toBe("5 menit lalu");
    expect(table.querySelector('tr.site-row[data-site="PAP"] .state')?.textContent).toBe("Terlambat");
    expect(table.querySelector('tr.site-row[data-site="HO"] .drain')?.textContent).toBe(
      "2,5 Mbit/s · habis dalam 25 mnt · kompresi 3,1:1 (cctv-h264)",
    );
  });
});

describe("status page", () => {
  const fetchMock = vi.fn<typeof fetch>(async () => new Response(JSON.stringify(report), { status: 200 }));
  const context = (role: "admin" | "viewer") => ({
    route: parseHash("#/status"),
    user: { username: "u", role, sites: ["*"] },
    config: DEFAULT_CONFIG,
    loginError: "",
    onLoggedIn: () => undefined,
  });

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized: () => undefined });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    fetchMock.mockClear();
    document.body.replaceChildren();
  });

  it("refreshes every 10 s until left", async () => {
    const cleanup = mountStatus(document.body, context("admin"));
    await vi.advanceTimersByTimeAsync(0);
    expect(document.querySelectorAll("#status-table tr[data-camera]")).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    cleanup();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("tells viewers it is for administrators without calling the API", async () => {
    mountStatus(document.body, context("viewer"));
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(document.querySelector("#status-message")?.textContent).toBe("Halaman ini hanya untuk administrator.");
  });
});
