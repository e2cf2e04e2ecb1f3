// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import type { StatusReport } from "../api";
import { setLang } from "../i18n";
import { countsText, renderWatchFolders, watchReason, type WatchFolderStatus } from "./watch-folders";

const folder: WatchFolderStatus = {
  path: "/srv/nvr/ch01",
  camera: "cab-kasir",
  counts: { waiting: 1, ingested: 4, duplicate: 0, quarantined: 1, salvaged: 0, removed: 0 },
  files: [
    {
      name: "ch01_20261206054020.mp4",
      outcome: "waiting",
      reason_code: "incomplete",
      reason: "belum lengkap, menunggu sisa berkas / incomplete, waiting for the rest of the file",
      detail: "box 'mdat' at byte 2134 declares 1416307 bytes, 565242 are there",
      size: 565242,
      updated_at: "2026-12-05T22:40:20Z",
    },
    {
      name: "ch02.avi",
      outcome: "ingested",
      reason_code: "transcoded",
      reason_params: { codec: "MPEG-4 Part 2", key: "segments/CABANG-01/cab-kasir/x.original.avi" },
      reason: "ditranskode / transcoded",
      size: 2048,
      updated_at: "2026-12-05T22:41:00Z",
    },
    { name: "notes.txt", outcome: "quarantined", reason_code: "from_a_newer_edge", reason: "aneh / odd" },
  ],
};

function report(withFolder = true): StatusReport {
  const site = {
    id: "CABANG-01",
    name: "Cabang Makassar",
    timezone: "Asia/Makassar",
    last_upload: null,
    stale: false,
    backlog: null,
    cameras: [{ id: "cab-kasir", name: "Kasir", state: "nvr", last_segment_end: null, coverage_24h: 1 }],
    ...(withFolder ? { watch_folders: [folder] } : {}),
  };
  return { generated_at: "2026-12-05T22:42:00Z", sites: [site] } as unknown as StatusReport;
}

afterEach(() => setLang("id"));

describe("NVR folders on the status page", () => {
  it("says what became of every file, in the user's language", () => {
    setLang("id");
    const section = renderWatchFolders(report(), false)!;
    expect(section.querySelector("h3")!.textContent).toContain("Cabang Makassar · Kasir");
    expect(section.querySelector(".counts")!.textContent).toBe("1 menunggu · 4 diambil · 1 dikarantina");
    const rows = [...section.querySelectorAll<HTMLTableRowElement>("tr.watch-file")];
    expect(rows.map((r) => r.dataset.outcome)).toEqual(["waiting", "ingested", "quarantined"]);
    const [waiting, transcoded, odd] = rows as [HTMLTableRowElement, HTMLTableRowElement, HTMLTableRowElement];
    expect(waiting.querySelector(".reason")!.textContent).toBe("belum lengkap, menunggu sisa berkas");
    expect(waiting.querySelector(".when")!.textContent).toBe("06/12/2026 06:40:20 WITA");
    expect(transcoded.querySelector(".reason")!.textContent).toBe(
      "ditranskode dari MPEG-4 Part 2; berkas asli disimpan di segments/CABANG-01/cab-kasir/x.original.avi",
    );
    expect(odd.classList.contains("bad")).toBe(true);
    expect(odd.querySelector(".reason")!.textContent).toBe("aneh / odd"); // a code it does not know
    expect(section.querySelector("details.tech")).toBeNull(); // no tool words for viewers
    setLang("en");
    expect(watchReason(folder.files[0]!)).toBe("incomplete, waiting for the rest of the file");
    expect(countsText(folder.counts)).toBe("1 waiting · 4 ingested · 1 quarantined");
  });

  it("shows the tools' own words to admins only", () => {
    const section = renderWatchFolders(report(), true)!;
    expect(section.querySelector("details.tech code")!.textContent).toContain("box 'mdat'");
  });

  it("is left out when no site has a folder", () => {
    expect(renderWatchFolders(report(false))).toBeNull();
    expect(countsText({})).toBe("Belum ada berkas");
  });
});
