import { describe, expect, it } from "vitest";
import { LIVE_CONFIG, VOD_CONFIG, isHevc } from "./player";

describe("player", () => {
  it("recognises HEVC codec names", () => {
    for (const codec of ["hevc", "HEVC", "h265", "H.265", "hvc1.1.6.L120.90", "hev1"]) expect(isHevc(codec), codec).toBe(true);
    for (const codec of ["h264", "avc1.64001f", "", "mjpeg"]) expect(isHevc(codec), codec).toBe(false);
  });

  it("tunes live tiles for low latency", () => {
    expect(LIVE_CONFIG).toMatchObject({
      lowLatencyMode: true,
      liveSyncDurationCount: 2,
      liveMaxLatencyDurationCount: 4,
      maxLiveSyncPlaybackRate: 1.5,
    });
    expect(LIVE_CONFIG.backBufferLength).toBeLessThanOrEqual(10);
  });

  it("lets playback choose where loading starts", () => {
    expect(VOD_CONFIG.autoStartLoad).toBe(false);
    expect(typeof VOD_CONFIG.xhrSetup).toBe("function");
  });
});
