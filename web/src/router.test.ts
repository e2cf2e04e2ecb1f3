import { describe, expect, it } from "vitest";
import { buildHash, parseHash } from "./router";

describe("router", () => {
  it("parses the known routes", () => {
    expect(parseHash("#/login").name).toBe("login");
    expect(parseHash("#/live").name).toBe("live");
    expect(parseHash("#/status/").name).toBe("status");
    expect(parseHash("#/export").name).toBe("export");
  });

  it("parses a playback deep link", () => {
    const route = parseHash("#/playback?camera=HO-cam1&start=2024-01-15T03:00:00Z&end=2024-01-15T04:00:00Z");
    expect(route.name).toBe("playback");
    expect(route.params.get("camera")).toBe("HO-cam1");
    expect(route.params.get("start")).toBe("2024-01-15T03:00:00Z");
    expect(route.params.get("end")).toBe("2024-01-15T04:00:00Z");
  });

  it("sends empty and unknown hashes to live", () => {
    expect(parseHash("").name).toBe("live");
    expect(parseHash("#").name).toBe("live");
    expect(parseHash("#/nope?x=1").name).toBe("live");
  });

  it("builds hashes that parse back", () => {
    const hash = buildHash("playback", { camera: "a b", start: "2024-01-15T03:00:00+07:00" });
    expect(hash).toBe("#/playback?camera=a%20b&start=2024-01-15T03:00:00%2B07:00");
    expect(parseHash(hash).params.get("camera")).toBe("a b");
    expect(parseHash(hash).params.get("start")).toBe("2024-01-15T03:00:00+07:00");
    expect(buildHash("live")).toBe("#/live");
  });
});
