// @vitest-environment happy-dom
// The evidence hold calls: what is sent (method, path, query, body, token), what a refusal throws.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, configureApi } from "./api";
import { setToken } from "./auth";
import { evidenceApi } from "./evidence-api";

const jsonResponse = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const HOLD = {
  id: "ho-lobby.1705287600000.1705289400000",
  camera: "ho-lobby",
  start: "2024-01-15T03:00:00Z",
  end: "2024-01-15T03:30:00Z",
  reason: "LP/B/123",
  created_by: "admin",
  segments: 180,
};

describe("evidence hold requests", () => {
  const fetchMock = vi.fn<typeof fetch>();
  const call = (n = 0) => {
    const [url, init] = fetchMock.mock.calls[n] ?? [];
    const headers = init?.headers as Record<string, string>;
    return { url, method: init?.method, auth: headers.Authorization, body: init?.body ? JSON.parse(String(init.body)) : undefined };
  };

  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "https://api.example/prod", onUnauthorized: () => undefined });
    setToken("tok");
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
    configureApi({ base: "", onUnauthorized: () => undefined });
  });

  it("lists a camera's holds", async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { holds: [{ ...HOLD, segments: null }] }));
    await expect(evidenceApi.holds("ho lobby")).resolves.toEqual({ holds: [{ ...HOLD, segments: null }] });
    expect(call()).toEqual({
      url: "https://api.example/prod/api/evidence/holds?camera=ho+lobby",
      method: "GET",
      auth: "Bearer tok",
      body: undefined,
    });
  });

  it("places a hold with its range and reason", async () => {
    fetchMock.mockResolvedValue(jsonResponse(201, HOLD));
    const asked = { camera: "ho-lobby", start: HOLD.start, end: HOLD.end, reason: "LP/B/123" };
    await expect(evidenceApi.place(asked)).resolves.toEqual(HOLD);
    expect(call()).toEqual({ url: "https://api.example/prod/api/evidence/holds", method: "POST", auth: "Bearer tok", body: asked });
  });

  it("releases a hold by its id (encoded)", async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, HOLD));
    await evidenceApi.release("ho/lobby.1.2");
    expect(call()).toMatchObject({ url: "https://api.example/prod/api/evidence/holds/ho%2Flobby.1.2", method: "DELETE" });
  });

  it("throws the refusal with its status and detail", async () => {
    fetchMock.mockResolvedValue(jsonResponse(403, { detail: "administrators only" }));
    const refused = evidenceApi.release(HOLD.id);
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 403, detail: "administrators only" });
  });
});
