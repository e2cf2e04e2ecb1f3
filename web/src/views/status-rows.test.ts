import { describe, expect, it } from "vitest";
import { cameraIsBad, siteIsBad } from "./status-rows";

describe("siteIsBad", () => {
  it("follows the site's problem, or whether it is stale on an older API", () => {
    expect(siteIsBad({ problem: "edge_silent", stale: false })).toBe(true);
    expect(siteIsBad({ problem: null, stale: true })).toBe(false);
    expect(siteIsBad({ stale: true })).toBe(true);
    expect(siteIsBad({ stale: false })).toBe(false);
  });
});

describe("cameraIsBad", () => {
  it("is red with a problem, offline or stopped, and never when disabled", () => {
    expect(cameraIsBad({ state: "recording", problem: "no_video" })).toBe(true);
    expect(cameraIsBad({ state: "offline" })).toBe(true);
    expect(cameraIsBad({ state: "stopped", problem: null })).toBe(true);
    expect(cameraIsBad({ state: "recording", problem: null })).toBe(false);
    expect(cameraIsBad({ state: "nvr" })).toBe(false);
    expect(cameraIsBad({ state: "disabled", problem: "unreachable" })).toBe(false);
  });
});
