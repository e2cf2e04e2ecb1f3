// The export panel's decisions without a page: what the range lacks, how far the job is.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, type ExportJob } from "../api";
import { setLang } from "../i18n";
import { HOUR } from "../time";
import {
  downloadDetails,
  exportable,
  isTransient,
  jobLinks,
  jobProgress,
  jobStatusText,
  missingShown,
  packageFileName,
  rangeProblem,
} from "./export-model";

const hole = { start: "2024-01-15T03:10:00Z", end: "2024-01-15T03:10:40Z", reason: "unplayable", detail: null };
const job = (patch: Partial<ExportJob>): ExportJob => ({
  id: "j", camera: "c", site: "HO", start: "", end: "", status: "queued", progress: 0, error: null,
  download_url: null, expires_at: null, size_bytes: null, duration_s: null, file_name: null, ...patch,
});

describe("export model", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it("says what the range lacks before the export, and what the file lacks after", () => {
    const coverage = { missing: [hole], missingMs: 40_000, totalMs: 90_000, coveredMs: 50_000 };
    expect(missingShown(null, false, null)).toEqual({ gaps: [] }); // not known yet: the words stay
    expect(missingShown(null, false, coverage)).toEqual({
      text: "40 s of 1 min 30 s has no footage; the file holds only the recorded parts:",
      gaps: [hole],
    });
    expect(missingShown(null, false, { ...coverage, coveredMs: 0 }).text).toBe("There is no footage to export in this range.");
    expect(missingShown(null, false, { ...coverage, missing: [] }).text).toBe("The whole range is recorded.");
    expect(missingShown(job({ missing: [hole] }), true, coverage)).toEqual({ text: "Not in the file (40 s):", gaps: [hole] });
    expect(missingShown(job({}), true, coverage)).toEqual({ text: "", gaps: [] });
    expect(missingShown(job({}), false, coverage).gaps).toEqual([hole]); // a new range after the job
  });

  it("follows a job's status and progress", () => {
    expect(jobStatusText(job({ status: "running", progress: 0.456 }))).toBe("Processing… 46%");
    expect(jobStatusText(job({ status: "failed" }))).toBe("Export failed: no details");
    expect(jobProgress(job({ status: "running", progress: 1.5 }))).toBe(1);
    expect(jobProgress(job({ status: "queued", progress: -1 }))).toBe(0);
    expect(jobProgress(job({ status: "done", progress: 0 }))).toBe(1);
    expect(downloadDetails(job({ size_bytes: 5 * 1024 * 1024, duration_s: 1800 }))).toBe(" (5 MB, 30 min)");
    expect(downloadDetails(job({ duration_s: 30 }))).toBe(" (30 s)");
    expect(downloadDetails(job({}))).toBe("");
  });

  it("offers the clip, its sidecar and the evidence package of a done job, each under its name", () => {
    const name = "HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB.mp4";
    const done = job({
      status: "done", progress: 1, file_name: name, download_url: "https://s/c.mp4", size_bytes: 1024,
      sidecar_url: "https://s/c.json", evidence: true, package_url: "https://s/c.zip",
    });
    expect(packageFileName(name)).toBe("HO-cam1_2024-01-15_10-00-00_WIB_to_10-30-00_WIB_evidence.zip");
    expect(jobLinks(done)).toEqual([
      { id: "export-download", href: "https://s/c.mp4", fileName: name, label: "export.download", details: " (1 KB)", primary: true },
      { id: "export-sidecar", href: "https://s/c.json", fileName: name.replace(".mp4", ".json"), label: "export.sidecar", details: "", primary: false },
      { id: "export-package", href: "https://s/c.zip", fileName: packageFileName(name), label: "export.package", details: "", primary: false },
    ]);
    // a plain export has no package; nothing is offered before the job is done
    expect(jobLinks({ ...done, evidence: false, package_url: null }).map((l) => l.id)).toEqual(["export-download", "export-sidecar"]);
    expect(jobLinks({ ...done, status: "running", progress: 0.9 })).toEqual([]);
    expect(jobLinks(job({ status: "failed", download_url: "https://s/c.mp4" }))).toEqual([]);
  });

  it("says the evidence is being packed while an evidence export runs", () => {
    expect(jobStatusText(job({ status: "running", progress: 0.8, evidence: true }))).toBe(
      "Processing and packing the evidence… 80%",
    );
    expect(jobStatusText(job({ status: "running", progress: 0.8, evidence: false }))).toBe("Processing… 80%");
  });

  it("exports a valid range of at most 2 h", () => {
    const start = Date.parse("2024-01-15T03:00:00Z");
    expect(rangeProblem(null)).toBe("Invalid export times.");
    expect(rangeProblem({ start, end: start + 2 * HOUR + 1000 })).toBe("An export can be at most 2 h.");
    expect(rangeProblem({ start, end: start + 2 * HOUR })).toBeNull();
    expect(exportable({ start, end: start + 3 * HOUR })).toBeNull();
  });

  it("retries a poll only after a network or server error", () => {
    expect(isTransient(new ApiError(0, "network"))).toBe(true);
    expect(isTransient(new ApiError(500, "down"))).toBe(true);
    expect(isTransient(new ApiError(404, "gone"))).toBe(false);
    expect(isTransient(new Error("x"))).toBe(false);
  });
});
