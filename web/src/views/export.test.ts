// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Camera, ExportJob } from "../api";
import { configureApi } from "../api";
import { setToken } from "../auth";
import { setLang } from "../i18n";
import { HOUR } from "../time";
import { createExportPanel, defaultExportRange, exportFileName } from "./export";

const at = Date.parse;

describe("exportFileName", () => {
  it("names the clip by camera and site-time range", () => {
    const range = { start: at("2024-01-15T03:15:00Z"), end: at("2024-01-15T03:45:30Z") };
    expect(exportFileName("HO-cam1", range, "Asia/Jakarta")).toBe("HO-cam1_20240115-101500_104530.mp4");
    expect(exportFileName("HO-cam1", range, "Asia/Jayapura")).toBe("HO-cam1_20240115-121500_124530.mp4");
  });

  it("makes the camera id safe for a file name", () => {
    const range = { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:01:00Z") };
    expect(exportFileName("site/cam 1", range, "Asia/Makassar")).toBe("site-cam-1_20240115-110000_110100.mp4");
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
    ...patch,
  });
  const fetchMock = vi.fn<typeof fetch>();
  const respond = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status });

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
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z") });
    fetchMock
      .mockResolvedValueOnce(respond(202, job({})))
      .mockResolvedValueOnce(respond(200, job({ status: "running", progress: 0.5 })))
      .mockResolvedValueOnce(
        respond(200, job({ status: "done", progress: 1, download_url: "https://s3.example/clip.mp4?sig=1", size_bytes: 5 * 1024 * 1024, duration_s: 1800 })),
      );
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("/api/exports");
    expect(JSON.parse(String(init?.body))).toEqual({
      camera: "HO-cam1",
      start: "2024-01-15T03:00:00Z",
      end: "2024-01-15T03:30:00Z",
    });
    expect($("#export-status")?.textContent).toBe("Queued…");
    expect($<HTMLButtonElement>("#export")?.disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock.mock.calls[1]?.[0]).toBe("/api/exports/job1");
    expect($("#export-status")?.textContent).toBe("Processing… 50%");
    expect($<HTMLProgressElement>("#export-progress")?.value).toBe(0.5);
    expect($("#export-download")).toBeNull();

    await vi.advanceTimersByTimeAsync(1000);
    const link = $<HTMLAnchorElement>("a#export-download");
    expect(link?.getAttribute("href")).toBe("https://s3.example/clip.mp4?sig=1");
    expect(link?.getAttribute("download")).toBe("HO-cam1_20240115-100000_103000.mp4");
    expect(link?.textContent).toBe("Download MP4 (5 MB, 30 min)");
    expect($<HTMLProgressElement>("#export-progress")?.value).toBe(1);
    expect($<HTMLButtonElement>("#export")?.disabled).toBe(false);

    await vi.advanceTimersByTimeAsync(5000);
    expect(fetchMock).toHaveBeenCalledTimes(3);
    panel.destroy();
  });

  it("refuses more than 2 hours without calling the API", async () => {
    const { panel, $ } = mount();
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T04:00:00Z") });
    const end = $<HTMLInputElement>("#export-end");
    if (end) end.value = "12:00:01";
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchMock).not.toHaveBeenCalled();
    expect($("#export-error")?.textContent).toBe("An export can be at most 2 h.");
  });

  it("shows API errors and a failed job", async () => {
    const { panel, $ } = mount();
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:10:00Z") });
    fetchMock.mockResolvedValueOnce(respond(422, { detail: [{ loc: ["body", "end"], msg: "too long" }] }));
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(0);
    expect($("#export-error")?.textContent).toBe("Invalid request: end: too long");

    fetchMock
      .mockResolvedValueOnce(respond(202, job({})))
      .mockResolvedValueOnce(respond(200, job({ status: "failed", error: "no footage in range" })));
    $<HTMLButtonElement>("#export")?.click();
    await vi.advanceTimersByTimeAsync(1000);
    expect($("#export-status")?.textContent).toBe("Export failed: no footage in range");
    expect($<HTMLElement>("#export-error")?.hidden).toBe(true);
    panel.destroy();
  });
});
