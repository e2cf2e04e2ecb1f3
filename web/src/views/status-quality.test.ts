// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import type { CameraQuality, CameraStatus } from "../api";
import { setLang } from "../i18n";
import { qualityCell } from "./status-rows";

const base: CameraStatus = { id: "kasir", name: "Kasir", state: "recording", last_segment_end: null, coverage_24h: 1 };
const quality: CameraQuality = {
  level: 2,
  setting: "h264 veryfast crf 29 gop 10s",
  floor: 90,
  bytes_ratio: 0.42,
  vmaf: 90.8,
  misses: 0,
};

describe("qualityCell", () => {
  afterEach(() => setLang("id"));

  it("shows the level, bytes and VMAF against the promise, in both languages", () => {
    setLang("en");
    const cell = qualityCell({ ...base, quality });
    expect(cell.textContent).toBe("level 2: 42% of the bytes, VMAF 90.8 (promise ≥ 90)");
    expect(cell.title).toBe("h264 veryfast crf 29 gop 10s");
    expect(cell.classList.contains("bad")).toBe(false);
    setLang("id");
    expect(qualityCell({ ...base, quality }).textContent).toBe(
      "level 2: 42% ukuran rekaman, VMAF 90,8 (janji ≥ 90)",
    );
  });

  it("turns red when a production spot check missed the promise", () => {
    setLang("en");
    const cell = qualityCell({ ...base, quality: { ...quality, misses: 1, checked_vmaf: 88.14 } });
    expect(cell.classList.contains("bad")).toBe(true);
    expect(cell.querySelector(".reason")?.textContent).toBe("spot check: VMAF 88.1, under the promise");
  });

  it("says when footage goes as recorded or is not calibrated yet, and nothing when not adaptive", () => {
    setLang("en");
    const recorded = { ...quality, level: 0, floor: null, vmaf: null, setting: "as recorded" };
    expect(qualityCell({ ...base, quality: recorded }).textContent).toBe("as recorded");
    const fresh = { ...quality, level: 1, floor: null, vmaf: null, setting: "not calibrated yet" };
    expect(qualityCell({ ...base, quality: fresh }).textContent).toBe("level 1, not calibrated yet");
    expect(qualityCell(base).textContent).toBe("");
  });
});
