// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  api,
  apiUrl,
  configureApi,
  errorMessage,
  needsAuthorization,
  parseDetail,
  parseRetryAfter,
  playlistUrl,
  resolveApiUrl,
} from "./api";
import { setToken } from "./auth";
import { setLang } from "./i18n";

const PAGE = "https://viewer.example/app/index.html#/live";

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

describe("URLs", () => {
  afterEach(() => configureApi({ base: "", onUnauthorized: () => undefined }));

  it("builds same-origin API URLs with encoded queries, skipping undefined", () => {
    expect(apiUrl("/api/footage", { camera: "HO 1", start: "2024-01-15T03:00:00Z", end: undefined })).toBe(
      "/api/footage?camera=HO+1&start=2024-01-15T03%3A00%3A00Z",
    );
    expect(apiUrl("/api/me")).toBe("/api/me");
  });

  it("prefixes a configured API base", () => {
    configureApi({ base: "https://api.example/prod/", onUnauthorized: () => undefined });
    expect(apiUrl("/api/me")).toBe("https://api.example/prod/api/me");
    expect(playlistUrl("cam/1", "a", "b")).toBe("https://api.example/prod/api/cameras/cam%2F1/playback.m3u8?start=a&end=b");
    expect(playlistUrl("cam1", "a", "b", "h264")).toBe(
      "https://api.example/prod/api/cameras/cam1/playback.m3u8?start=a&end=b&codec=h264",
    );
  });

  it("resolves returned absolute paths on the API's origin", () => {
    expect(resolveApiUrl("/live/cam1/index.m3u8?sig=x", PAGE)).toBe("https://viewer.example/live/cam1/index.m3u8?sig=x");
    configureApi({ base: "https://api.example/prod", onUnauthorized: () => undefined });
    expect(resolveApiUrl("/live/cam1.m3u8", PAGE)).toBe("https://api.example/live/cam1.m3u8");
    expect(resolveApiUrl("https://cdn.example/x.m3u8", PAGE)).toBe("https://cdn.example/x.m3u8");
  });
});

describe("needsAuthorization", () => {
  afterEach(() => configureApi({ base: "", onUnauthorized: () => undefined }));

  it("authorizes same-origin /api/ URLs only", () => {
    expect(needsAuthorization("/api/cameras/x/playback.m3u8?start=a", PAGE)).toBe(true);
    expect(needsAuthorization("https://viewer.example/api/x", PAGE)).toBe(true);
    expect(needsAuthorization("https://bucket.s3.ap-southeast-3.amazonaws.com/api/seg.m4s?X-Amz-Signature=1", PAGE)).toBe(false);
    expect(needsAuthorization("https://viewer.example/footage/seg.m4s", PAGE)).toBe(false);
    expect(needsAuthorization("https://viewer.example/apix/seg.m4s", PAGE)).toBe(false);
  });

  it("follows a configured API base", () => {
    configureApi({ base: "https://api.example/prod", onUnauthorized: () => undefined });
    expect(needsAuthorization("https://api.example/prod/api/cameras/x/playback.m3u8", PAGE)).toBe(true);
    expect(needsAuthorization("https://api.example/api/x", PAGE)).toBe(false);
    expect(needsAuthorization("/api/x", PAGE)).toBe(false);
  });
});

describe("error details", () => {
  it("reads a string detail", () => {
    expect(parseDetail({ detail: "camera offline" })).toBe("camera offline");
  });

  it("joins FastAPI 422 details with their fields", () => {
    expect(
      parseDetail({
        detail: [
          { loc: ["query", "start"], msg: "invalid datetime", type: "x" },
          { loc: ["body", "range"], msg: "range exceeds 2 hours", type: "y" },
          { msg: "bad", type: "z" },
        ],
      }),
    ).toBe("start: invalid datetime; range: range exceeds 2 hours; bad");
  });

  it("is empty for anything else", () => {
    expect(parseDetail(null)).toBe("");
    expect(parseDetail({ message: "x" })).toBe("");
  });

  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    const now = Date.parse("2024-01-15T00:00:00Z");
    expect(parseRetryAfter("Mon, 15 Jan 2024 00:01:00 GMT", now)).toBe(60);
  });
});

describe("errorMessage", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it.each([
    [new ApiError(403, "site HO only"), "Access denied: site HO only"],
    [new ApiError(429, "", 12), "Too many attempts. Try again in 12 seconds."],
    [new ApiError(429, ""), "Too many attempts. Try again later."],
    [new ApiError(503, "live relay starting"), "Service not available yet: live relay starting"],
    [new ApiError(422, "start: invalid"), "Invalid request: start: invalid"],
    [new ApiError(404, "no footage"), "Not found: no footage"],
    [new ApiError(0, ""), "Cannot reach the server. Check your connection."],
    [new ApiError(500, ""), "Server error (500): no details"],
    [new Error("boom"), "boom"],
  ])("%s", (error, expected) => {
    expect(errorMessage(error)).toBe(expected);
  });

  it("is Indonesian by default", () => {
    setLang("id");
    expect(errorMessage(new ApiError(403, "x"))).toBe("Akses ditolak: x");
  });
});

describe("requests", () => {
  const fetchMock = vi.fn<typeof fetch>();
  const onUnauthorized = vi.fn();

  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized });
    sessionStorage.clear();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
    onUnauthorized.mockReset();
  });

  it("sends the bearer token and parses JSON", async () => {
    setToken("tok");
    fetchMock.mockResolvedValue(jsonResponse(200, { username: "budi", role: "viewer", sites: ["HO"] }));
    await expect(api.me()).resolves.toEqual({ username: "budi", role: "viewer", sites: ["HO"] });
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("/api/me");
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });

  it("posts JSON bodies", async () => {
    setToken("tok");
    fetchMock.mockResolvedValue(jsonResponse(202, { id: "job1", status: "queued" }));
    await api.createExport("cam1", "2024-01-15T03:00:00Z", "2024-01-15T03:10:00Z");
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("/api/exports");
    expect(init?.method).toBe("POST");
    expect(JSON.parse(String(init?.body))).toEqual({
      camera: "cam1",
      start: "2024-01-15T03:00:00Z",
      end: "2024-01-15T03:10:00Z",
      evidence: false,
    });
  });

  it("asks for an evidence package only when told to", async () => {
    fetchMock.mockResolvedValue(jsonResponse(202, { id: "job1", status: "queued", evidence: true }));
    await api.createExport("cam1", "2024-01-15T03:00:00Z", "2024-01-15T03:10:00Z", true);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("/api/exports");
    expect(JSON.parse(String(init?.body))).toMatchObject({ camera: "cam1", evidence: true });
  });

  it("reports a 401 on an authenticated call as a lost session", async () => {
    setToken("old");
    fetchMock.mockResolvedValue(jsonResponse(401, { detail: "expired" }));
    await expect(api.cameras()).rejects.toMatchObject({ status: 401, detail: "expired" });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("does not treat wrong login credentials as a lost session, nor send a token", async () => {
    setToken("old");
    fetchMock.mockResolvedValue(jsonResponse(401, { detail: "bad credentials" }));
    await expect(api.login("a", "b")).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).not.toHaveBeenCalled();
    expect((fetchMock.mock.calls[0]?.[1]?.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("carries Retry-After on 429", async () => {
    fetchMock.mockResolvedValue(jsonResponse(429, { detail: "slow down" }, { "Retry-After": "42" }));
    await expect(api.login("a", "b")).rejects.toMatchObject({ status: 429, retryAfterSeconds: 42 });
  });

  it("turns network failures and non-JSON errors into ApiErrors", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await expect(api.status()).rejects.toMatchObject({ status: 0 });
    fetchMock.mockResolvedValueOnce(new Response("<html>bad gateway</html>", { status: 502 }));
    await expect(api.status()).rejects.toMatchObject({ status: 502, detail: "" });
  });
});
