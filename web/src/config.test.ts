import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, normalizeConfig } from "./config";

describe("normalizeConfig", () => {
  it("defaults to same-origin local auth", () => {
    expect(normalizeConfig(null)).toEqual(DEFAULT_CONFIG);
    expect(normalizeConfig("nope")).toEqual({ apiBase: "", auth: "local", cognito: null });
    expect(normalizeConfig({})).toEqual(DEFAULT_CONFIG);
  });

  it("accepts a complete Cognito configuration", () => {
    const cognito = { domain: "https://x.auth.ap-southeast-3.amazoncognito.com", clientId: "abc", redirectUri: "https://viewer/" };
    expect(normalizeConfig({ apiBase: "https://api.example", auth: "cognito", cognito })).toEqual({
      apiBase: "https://api.example",
      auth: "cognito",
      cognito,
    });
  });

  it("falls back to local auth when the Cognito block is incomplete", () => {
    expect(normalizeConfig({ auth: "cognito", cognito: { domain: "https://x", clientId: "" } }).auth).toBe("local");
    expect(normalizeConfig({ auth: "cognito" }).auth).toBe("local");
  });

  it("ignores a non-string apiBase", () => {
    expect(normalizeConfig({ apiBase: 42 }).apiBase).toBe("");
  });
});
