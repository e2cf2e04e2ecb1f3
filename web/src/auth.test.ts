// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  authorizeUrl,
  base64url,
  clearToken,
  completeCognitoLogin,
  getToken,
  jwtExpiry,
  logoutUrl,
  pkceChallenge,
  randomString,
  rememberReturn,
  setToken,
  takeReturn,
} from "./auth";

const cognito = {
  domain: "https://vms-123.auth.ap-southeast-3.amazoncognito.com/",
  clientId: "client123",
  redirectUri: "https://viewer.example/",
};

const jwt = (payload: object): string =>
  `${base64url(new TextEncoder().encode('{"alg":"none"}'))}.${base64url(new TextEncoder().encode(JSON.stringify(payload)))}.sig`;

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("token storage", () => {
  it("stores, reads and clears the token in sessionStorage", () => {
    expect(getToken()).toBeNull();
    setToken("abc", 3600);
    expect(getToken()).toBe("abc");
    expect(sessionStorage.getItem("vms.token")).toBe("abc");
    clearToken();
    expect(getToken()).toBeNull();
  });

  it("expires the token after expires_in", () => {
    vi.useFakeTimers({ now: Date.parse("2024-01-15T00:00:00Z") });
    setToken("abc", 60);
    vi.setSystemTime(Date.parse("2024-01-15T00:00:59Z"));
    expect(getToken()).toBe("abc");
    vi.setSystemTime(Date.parse("2024-01-15T00:01:00Z"));
    expect(getToken()).toBeNull();
    expect(sessionStorage.getItem("vms.token")).toBeNull();
  });

  it("takes the expiry of a JWT from its exp claim", () => {
    vi.useFakeTimers({ now: Date.parse("2024-01-15T00:00:00Z") });
    const token = jwt({ exp: Date.parse("2024-01-15T01:00:00Z") / 1000, "cognito:groups": ["admin"] });
    expect(jwtExpiry(token)).toBe(Date.parse("2024-01-15T01:00:00Z"));
    setToken(token);
    expect(getToken()).toBe(token);
    vi.setSystemTime(Date.parse("2024-01-15T01:00:01Z"));
    expect(getToken()).toBeNull();
  });

  it("has no expiry for opaque or malformed tokens", () => {
    expect(jwtExpiry("opaque")).toBeNull();
    expect(jwtExpiry("a.!!!.c")).toBeNull();
    expect(jwtExpiry(jwt({ sub: "x" }))).toBeNull();
  });
});

describe("return route", () => {
  it("remembers the route once and never the login page", () => {
    rememberReturn("#/playback?camera=a");
    rememberReturn("#/login");
    expect(takeReturn("#/live")).toBe("#/playback?camera=a");
    expect(takeReturn("#/live")).toBe("#/live");
  });
});

describe("PKCE", () => {
  it("matches the RFC 7636 example", async () => {
    await expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).resolves.toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes URL-safe random strings", () => {
    const value = randomString(48);
    expect(value).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(randomString()).not.toBe(randomString());
  });

  it("builds the authorize and logout URLs", () => {
    const url = new URL(authorizeUrl(cognito, "challenge", "state1"));
    expect(url.origin + url.pathname).toBe("https://vms-123.auth.ap-southeast-3.amazoncognito.com/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "client123",
      redirect_uri: "https://viewer.example/",
      scope: "openid email",
      code_challenge_method: "S256",
      code_challenge: "challenge",
      state: "state1",
    });
    expect(logoutUrl(cognito)).toBe(
      "https://vms-123.auth.ap-southeast-3.amazoncognito.com/logout?client_id=client123&logout_uri=https%3A%2F%2Fviewer.example%2F",
    );
  });
});

describe("completeCognitoLogin", () => {
  const idToken = jwt({ exp: 4_000_000_000, "cognito:groups": ["site-HO"] });

  it("ignores a URL that is not a callback", async () => {
    await expect(completeCognitoLogin(cognito, "")).resolves.toBe(false);
  });

  it("exchanges the code with the verifier and keeps the id token", async () => {
    sessionStorage.setItem("vms.pkce", JSON.stringify({ verifier: "v1", state: "s1" }));
    const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(
      new Response(JSON.stringify({ id_token: idToken, access_token: "access", expires_in: 3600 }), { status: 200 }),
    );
    vi.stubGlobal("fetch", fetchMock);
    await expect(completeCognitoLogin(cognito, "?code=c1&state=s1")).resolves.toBe(true);
    expect(getToken()).toBe(idToken);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("https://vms-123.auth.ap-southeast-3.amazoncognito.com/oauth2/token");
    expect(Object.fromEntries(new URLSearchParams(String(init?.body)))).toEqual({
      grant_type: "authorization_code",
      client_id: "client123",
      code: "c1",
      redirect_uri: "https://viewer.example/",
      code_verifier: "v1",
    });
    expect(sessionStorage.getItem("vms.pkce")).toBeNull();
  });

  it("rejects a state mismatch", async () => {
    sessionStorage.setItem("vms.pkce", JSON.stringify({ verifier: "v1", state: "s1" }));
    await expect(completeCognitoLogin(cognito, "?code=c1&state=evil")).rejects.toThrow("state mismatch");
    expect(getToken()).toBeNull();
  });

  it("reports the hosted UI's error", async () => {
    await expect(completeCognitoLogin(cognito, "?error=access_denied&error_description=User+disabled")).rejects.toThrow(
      "User disabled",
    );
  });

  it("reports a failed token exchange", async () => {
    sessionStorage.setItem("vms.pkce", JSON.stringify({ verifier: "v1", state: "s1" }));
    vi.stubGlobal("fetch", vi.fn<typeof fetch>().mockResolvedValue(new Response(JSON.stringify({ error: "invalid_grant" }), { status: 400 })));
    await expect(completeCognitoLogin(cognito, "?code=c1&state=s1")).rejects.toThrow("invalid_grant");
  });
});
