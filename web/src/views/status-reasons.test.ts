// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StatusReport } from "../api";
import { setLang } from "../i18n";
import { renderStatusTable } from "./status";

const now = Date.parse("2024-01-15T03:10:00Z");
const REFUSED = "ffprobe failed: rtsp://10.0.0.9/ch1: Connection refused";

const report: StatusReport = {
  generated_at: "2024-01-15T03:10:00Z",
  sites: [
    {
      id: "HO",
      name: "Head Office",
      timezone: "Asia/Jakarta",
      last_upload: "2024-01-15T03:05:00Z",
      newest_footage: "2024-01-15T03:09:00Z",
      stale: false,
      problem: null,
      backlog: null,
      cameras: [
        {
          id: "lobby",
          name: "Lobby",
          state: "recording",
          last_segment_end: "2024-01-15T03:09:00Z",
          last_upload: "2024-01-15T03:05:00Z",
          coverage_24h: 1,
          problem: null,
          last_error: null,
        },
        {
          id: "gate",
          name: "Gate",
          state: "offline",
          last_segment_end: "2024-01-15T02:00:00Z",
          last_upload: "2024-01-15T02:01:00Z",
          coverage_24h: 0.9,
          problem: "unreachable",
          last_error: REFUSED,
          live: "retrying",
          live_problem: "unreachable",
          live_error: "no video from the feed",
        },
        {
          id: "gudang",
          name: "Gudang",
          state: "nvr",
          last_segment_end: "2024-01-14T23:00:00Z",
          last_upload: "2024-01-15T01:00:00Z",
          last_file_at: "2024-01-15T00:59:00Z",
          coverage_24h: 0.5,
          problem: null,
          last_error: null,
        },
      ],
    },
    {
      id: "PAP",
      name: "Jayapura",
      timezone: "Asia/Jayapura",
      last_upload: null,
      stale: true,
      problem: "edge_silent",
      detail: "last report 2024-01-15T01:00:00+00:00",
      backlog: null,
      cameras: [
        {
          id: "yard",
          name: "Yard",
          state: "nvr",
          last_segment_end: null,
          coverage_24h: 0,
          problem: "nvr_silent",
          last_error: null,
          last_file_at: "2024-01-13T00:00:00Z",
        },
      ],
    },
  ],
};

const row = (table: HTMLElement, camera: string) => table.querySelector<HTMLElement>(`tr[data-camera="${camera}"]`);

describe("status: reasons in the user's language, the tools' words for admins", () => {
  beforeEach(() => setLang("id"));
  afterEach(() => setLang("id"));

  it("'last upload' is when the upload finished; the newest footage is said apart", () => {
    setLang("en");
    const table = renderStatusTable(report, now);
    const when = row(table, "lobby")?.querySelector(".when");
    expect(when?.querySelector(".relative")?.textContent).toBe("5 min ago");
    expect(when?.querySelector(".absolute")?.textContent).toBe("15/01/2024 10:05:00 WIB");
    expect(when?.querySelector(".newest")?.textContent).toBe("newest footage 1 min ago");
    const site = table.querySelector('tr.site-row[data-site="HO"] .when');
    expect(site?.querySelector(".newest")?.textContent).toBe("newest footage 1 min ago");
  });

  it("says why each red row is red, in Indonesian or English", () => {
    const table = renderStatusTable(report, now);
    const gate = row(table, "gate");
    expect(gate?.classList.contains("bad")).toBe(true);
    expect(gate?.querySelector(".state .reason")?.textContent).toBe("Kamera tidak terjangkau (jaringan atau daya kamera)");
    const pap = table.querySelector('tr.site-row[data-site="PAP"]');
    expect(pap?.classList.contains("bad")).toBe(true);
    expect(pap?.querySelector(".state")?.textContent).toContain("Server lokasi tidak melapor");
    setLang("en");
    const english = renderStatusTable(report, now);
    expect(row(english, "gate")?.querySelector(".state .reason")?.textContent).toBe(
      "Camera unreachable (network or camera power)",
    );
    expect(row(english, "gate")?.querySelector(".live")?.getAttribute("title")).toBe(
      "Camera unreachable (network or camera power)",
    );
    // no tool jargon in what everyone reads
    expect(english.querySelector(".state")?.textContent ?? "").not.toContain("ffprobe");
  });

  it("keeps the tools' own words in collapsed technical details, for admins only", () => {
    const forViewer = renderStatusTable(report, now);
    expect(forViewer.textContent).not.toContain("Connection refused");
    expect(forViewer.querySelector("details.tech")).toBeNull();
    const forAdmin = renderStatusTable(report, now, true);
    const details = row(forAdmin, "gate")?.querySelector<HTMLDetailsElement>(".state details.tech");
    expect(details?.open).toBe(false);
    expect(details?.querySelector("summary")?.textContent).toBe("Detail teknis");
    expect(details?.querySelector("code")?.textContent).toBe(REFUSED);
    expect(row(forAdmin, "gate")?.querySelector(".live details.tech code")?.textContent).toBe("no video from the feed");
    const site = forAdmin.querySelector('tr.site-row[data-site="PAP"] details.tech code');
    expect(site?.textContent).toBe("last report 2024-01-15T01:00:00+00:00");
  });

  it("shows an NVR-only camera as its folder, red only when the folder is silent", () => {
    setLang("en");
    const table = renderStatusTable(report, now);
    const gudang = row(table, "gudang");
    expect(gudang?.classList.contains("bad")).toBe(false);
    expect(gudang?.querySelector(".state")?.textContent).toBe("NVR folder");
    expect(gudang?.querySelector(".when .newest")?.textContent).toBe("last file 2 h ago");
    const yard = row(table, "yard");
    expect(yard?.classList.contains("bad")).toBe(true);
    expect(yard?.querySelector(".state")?.textContent).toBe("NVR folderNo new files from the NVR");
  });
});
