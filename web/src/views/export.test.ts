// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Camera, ExportJob } from "../api";
import { configureApi } from "../api";
import { setToken } from "../auth";
import { setLang } from "../i18n";
import { HOUR } from "../time";
import { createExportPanel, defaultExportRange, sidecarFileName } from "./export";

const at = Date.parse;

describe("sidecarFileName", () => {
  it("saves the sidecar beside the clip, under the clip's (site-time) name", () => {
    expect(sidecarFileName("HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB.mp4")).toBe(
      "HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB.json",
    );
  });
});

describe("defaultExportRange", () => {
  it("keeps a playback range up to 2 h and clips a longer one", () => {
    const start = at("2024-01-15T03:00:00Z");
    expect(defaultExportRange({ start, end: start + HOUR })).toEqual({ start, end: start + HOUR });
    expect(defaultExportRange({ start, end: start + 5 * HOUR })).toEqual({ start, end: start + 2 * HOUR });
  });
});

describe("export panel", () => {
  const camera: Camera = {
    id: "HO-cam1",
    site: "HO",
    name: "Lobby",
    timezone: "Asia/Jakarta",
    state: "recording",
    last_segment_end: null,
    has_substream: false,
  };
  const job = (patch: Partial<ExportJob>): ExportJob => ({
    id: "job1",
    camera: "HO-cam1",
    site: "HO",
    start: "2024-01-15T03:00:00Z",
    end: "2024-01-15T03:30:00Z",
    status: "queued",
    progress: 0,
    error: null,
    download_url: null,
    expires_at: null,
    size_bytes: null,
    duration_s: null,
    file_name: "HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB.mp4",
    ...patch,
  });
  const fetchMock = vi.fn<typeof fetch>();
  const respond = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status });
  const hole = { start: "2024-01-15T03:10:00Z", end: "2024-01-15T03:10:40Z", reason: "unplayable", detail: "truncated" };
  const coverage = (missing: unknown[], covered_s: number, missing_s: number) => ({
    camera: "HO-cam1", site: "HO", timezone: "Asia/Jakarta", start: "", end: "", covered: [], missing, covered_s, missing_s,
  });
  /** Answers by URL: the coverage of the range, then the export calls in order. */
  function serve(rangeCoverage: unknown, ...exportAnswers: Response[]): void {
    fetchMock.mockImplementation(async (input) => {
      if (String(input).includes("/coverage")) return respond(200, rangeCoverage);
      const answer = exportAnswers.shift();
      if (!answer) throw new Error(`unexpected ${String(input)}`);
      return answer;
    });
  }
  const exportCalls = () => fetchMock.mock.calls.filter(([url]) => !String(url).includes("/coverage"));

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized: () => undefined });
    setToken("tok");
    setLang("en");
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    fetchMock.mockReset();
    setLang("id");
    document.body.replaceChildren();
  });

  function mount() {
    const panel = createExportPanel(() => "2024-01-15");
    document.body.append(panel.element);
    const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector);
    return { panel, $ };
  }

  it("defaults to the playback range clipped to 2 h, in site time", () => {
    const { panel, $ } = mount();
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T06:00:00Z") });
    // 24-hour text fields with seconds (views/datetime-input), not the browser's time input.
    expect($<HTMLInputElement>("#export-start")?.value).toBe("10:00:00");
    expect($<HTMLInputElement>("#export-end")?.value).toBe("12:00:00");
    expect($(".export-panel .tz-abbr")?.textContent).toBe("WIB");
  });

  it("posts the export, polls every second and offers the download", async () => {
    const { panel, $ } = mount();
    serve(
      coverage([], 1800, 0),
      respond(202, job({})),
      respond(200, job({ status: "running", progress: 0.5 })),
      respond(200, job({ status: "done", progress: 1, download_url: "https://s3.example/clip.mp4?sig=1", size_bytes: 5 * 1024 * 1024, duration_s: 1800, sidecar_url: "https://s3.example/clip.json?sig=2" })),
    );
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z") });
    await vi.advanceTimersByTimeAsync(300);
    expect($("#export-coverage")?.textContent).toBe("The whole range is recorded.");
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    const [url, init] = exportCalls()[0] ?? [];
    expect(url).toBe("/api/exports");
    expect(JSON.parse(String(init?.body))).toEqual({
      camera: "HO-cam1",
      start: "2024-01-15T03:00:00Z",
      end: "2024-01-15T03:30:00Z",
      evidence: false,
    });
    expect($("#export-status")?.textContent).toBe("Queued…");
    expect($<HTMLButtonElement>("#export")?.disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(1000);
    expect(exportCalls()[1]?.[0]).toBe("/api/exports/job1");
    expect($("#export-status")?.textContent).toBe("Processing… 50%");
    expect($<HTMLProgressElement>("#export-progress")?.value).toBe(0.5);
    expect($("#export-download")).toBeNull();

    await vi.advanceTimersByTimeAsync(1000);
    const link = $<HTMLAnchorElement>("a#export-download");
    expect(link?.getAttribute("href")).toBe("https://s3.example/clip.mp4?sig=1");
    expect(link?.getAttribute("download")).toBe("HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB.mp4");
    expect(link?.textContent).toBe("Download MP4 (5 MB, 30 min)");
    const sidecar = $<HTMLAnchorElement>("a#export-sidecar");
    expect(sidecar?.getAttribute("href")).toBe("https://s3.example/clip.json?sig=2");
    expect(sidecar?.getAttribute("download")).toBe("HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB.json");
    expect($<HTMLProgressElement>("#export-progress")?.value).toBe(1);
    expect($<HTMLButtonElement>("#export")?.disabled).toBe(false);
    expect($("a#export-package")).toBeNull(); // not exported as evidence

    await vi.advanceTimersByTimeAsync(5000);
    expect(exportCalls()).toHaveLength(3);
    panel.destroy();
  });

  it("exports as evidence when asked: packing is said, then the package is offered beside the clip", async () => {
    const { panel, $ } = mount();
    const packing = job({ status: "running", progress: 0.75, evidence: true });
    const done = job({
      status: "done", progress: 1, evidence: true, download_url: "https://s/clip.mp4",
      package_url: "https://s/pkg.zip?sig=3",
    });
    serve(coverage([], 1800, 0), respond(202, job({ evidence: true })), respond(200, packing), respond(200, done));
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z") });
    const box = $<HTMLInputElement>("#export-evidence");
    expect(box?.checked).toBe(false);
    expect($(".export-evidence")?.textContent).toBe(
      "Export as evidenceAdds the original recordings, their signed manifests and instructions to verify them (one ZIP).",
    );
    box?.click();
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    expect(JSON.parse(String(exportCalls()[0]?.[1]?.body))).toMatchObject({ camera: "HO-cam1", evidence: true });

    await vi.advanceTimersByTimeAsync(1000);
    expect($("#export-status")?.textContent).toBe("Processing and packing the evidence… 75%");
    expect($("a#export-package")).toBeNull();

    await vi.advanceTimersByTimeAsync(1000);
    const link = $<HTMLAnchorElement>("a#export-package");
    expect(link?.getAttribute("href")).toBe("https://s/pkg.zip?sig=3");
    expect(link?.getAttribute("download")).toBe("HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB_evidence.zip");
    expect(link?.textContent).toBe("Download evidence package (ZIP)");
    expect($<HTMLAnchorElement>("a#export-download")?.getAttribute("href")).toBe("https://s/clip.mp4");
    setLang("id");
    expect($("a#export-package")?.textContent).toBe("Unduh paket bukti (ZIP)");
    expect($<HTMLElement>("label:has(#export-evidence) span")?.dataset.i18n).toBe("export.evidence"); // the page translates it
    panel.destroy();
  });

  it("says before and after the export which parts of the range have no footage", async () => {
    const { panel, $ } = mount();
    serve(
      coverage([hole], 50, 40),
      respond(202, job({ end: "2024-01-15T03:01:30Z", missing: [hole], missing_s: 40 })),
      respond(200, job({ status: "done", progress: 1, download_url: "https://s/c.mp4", missing: [hole], missing_s: 40 })),
    );
    panel.setSource(camera, { start: at("2024-01-15T03:09:30Z"), end: at("2024-01-15T03:11:00Z") });
    expect($<HTMLElement>("#export-missing")?.hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(300);
    const [url] = fetchMock.mock.calls[0] ?? [];
    expect(String(url)).toBe("/api/cameras/HO-cam1/coverage?start=2024-01-15T03%3A09%3A30Z&end=2024-01-15T03%3A11%3A00Z");
    expect($("#export-coverage")?.textContent).toBe("40 s of 1 min 30 s has no footage; the file holds only the recorded parts:");
    expect($("#export-missing li")?.textContent).toBe("10:10:00–10:10:40 WIB (40 s): recording cannot be played");

    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(1000);
    expect($("#export-coverage")?.textContent).toBe("Not in the file (40 s):");
    expect($("#export-missing li")?.textContent).toBe("10:10:00–10:10:40 WIB (40 s): recording cannot be played");
    expect($("a#export-download")).not.toBeNull();

    const end = $<HTMLInputElement>("#export-end"); // a new range: asked again, the link stays
    if (end) {
      end.value = "10:10:20";
      end.dispatchEvent(new Event("input"));
    }
    await vi.advanceTimersByTimeAsync(300);
    expect(fetchMock.mock.calls.filter(([u]) => String(u).includes("/coverage"))).toHaveLength(2);
    expect($("#export-coverage")?.textContent).toContain("has no footage");
    expect($("a#export-download")).not.toBeNull();
    panel.destroy();
  });

  it("says when the range has nothing to export", async () => {
    const { panel, $ } = mount();
    serve(coverage([{ ...hole, reason: "no_recording", detail: null }], 0, 40));
    panel.setSource(camera, { start: at("2024-01-15T03:10:00Z"), end: at("2024-01-15T03:10:40Z") });
    await vi.advanceTimersByTimeAsync(300);
    expect($("#export-coverage")?.textContent).toBe("There is no footage to export in this range.");
    panel.destroy();
  });

  it("refuses more than 2 hours without calling the API", async () => {
    const { panel, $ } = mount();
    serve(coverage([], 3600, 0));
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T04:00:00Z") });
    const end = $<HTMLInputElement>("#export-end");
    if (end) end.value = "12:00:01";
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    expect(exportCalls()).toHaveLength(0);
    expect($("#export-error")?.textContent).toBe("An export can be at most 2 h.");
  });

  it("shows API errors and a failed job", async () => {
    const { panel, $ } = mount();
    serve(
      coverage([], 600, 0),
      respond(422, { detail: [{ loc: ["body", "end"], msg: "too long" }] }),
      respond(202, job({})),
      respond(200, job({ status: "failed", error: "no footage in range" })),
    );
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:10:00Z") });
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    expect($("#export-error")?.textContent).toBe("Invalid request: end: too long");

    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(1000);
    expect($("#export-status")?.textContent).toBe("Export failed: no footage in range");
    expect($<HTMLElement>("#export-error")?.hidden).toBe(true);
    panel.destroy();
  });
});
