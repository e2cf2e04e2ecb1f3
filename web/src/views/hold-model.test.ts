// The evidence holds' decisions without a page: who sees them, the request, the rows, the words.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, type Me } from "../api";
import type { EvidenceHold } from "../evidence-api";
import { setLang } from "../i18n";
import {
  canManageHolds,
  heldRanges,
  holdErrorMessage,
  holdRangeText,
  holdRequest,
  holdRows,
  outcomeMessage,
} from "./hold-model";

const at = Date.parse;
const JAKARTA = "Asia/Jakarta";
const hold = (patch: Partial<EvidenceHold>): EvidenceHold => ({
  id: "ho-lobby.1705287600000.1705289400000",
  camera: "ho-lobby",
  start: "2024-01-15T03:00:00Z",
  end: "2024-01-15T03:30:00Z",
  reason: "LP/B/123/I/2024",
  created_by: "admin",
  segments: null,
  ...patch,
});

describe("evidence hold model", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it("shows the holds to administrators only", () => {
    const user = (role: Me["role"]): Me => ({ username: "u", role, sites: [] });
    expect(canManageHolds(user("admin"))).toBe(true);
    expect(canManageHolds(user("viewer"))).toBe(false);
    expect(canManageHolds(null)).toBe(false);
  });

  it("builds the request in UTC with the reason trimmed, or says what is missing", () => {
    const range = { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z") };
    expect(holdRequest("ho-lobby", range, "  LP/B/123/I/2024 \n")).toEqual({
      request: { camera: "ho-lobby", start: "2024-01-15T03:00:00Z", end: "2024-01-15T03:30:00Z", reason: "LP/B/123/I/2024" },
    });
    expect(holdRequest("ho-lobby", range, "   ")).toEqual({ problem: "Enter a reason, e.g. the police report number." });
    expect(holdRequest("ho-lobby", null, "x")).toEqual({ problem: "Invalid hold times." });
    expect(holdRequest("ho-lobby", { start: range.end, end: range.end }, "x")).toEqual({ problem: "Invalid hold times." });
    expect(holdRequest(null, range, "x")).toEqual({ problem: "Choose a camera first." });
    setLang("id");
    expect(holdRequest("ho-lobby", range, "")).toEqual({ problem: "Isi alasannya, mis. nomor laporan polisi." });
  });

  it("lists the camera's holds by start, leaving out another camera's and broken times", () => {
    const later = hold({ id: "b", start: "2024-01-16T01:00:00Z", end: "2024-01-16T02:00:00Z", created_by: "siti" });
    const rows = holdRows(
      [later, hold({ id: "a" }), hold({ id: "x", camera: "ho-door" }), hold({ id: "bad", start: "soon" })],
      "ho-lobby",
    );
    expect(rows).toEqual([
      { id: "a", start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z"), who: "admin", reason: "LP/B/123/I/2024" },
      { id: "b", start: at("2024-01-16T01:00:00Z"), end: at("2024-01-16T02:00:00Z"), who: "siti", reason: "LP/B/123/I/2024" },
    ]);
    expect(heldRanges(rows)).toEqual([
      { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z") },
      { start: at("2024-01-16T01:00:00Z"), end: at("2024-01-16T02:00:00Z") },
    ]);
  });

  it("says a hold's range in the site's time, with its date (both when it spans days)", () => {
    expect(holdRangeText(at("2024-01-15T03:00:00Z"), at("2024-01-15T03:30:00Z"), JAKARTA)).toBe(
      "15/01/2024 10:00:00–10:30:00 WIB",
    );
    // up to midnight is still that day
    expect(holdRangeText(at("2024-01-15T16:00:00Z"), at("2024-01-15T17:00:00Z"), JAKARTA)).toBe(
      "15/01/2024 23:00:00–00:00:00 WIB",
    );
    expect(holdRangeText(at("2024-01-15T16:00:00Z"), at("2024-01-15T18:00:00Z"), JAKARTA)).toBe(
      "15/01/2024 23:00:00 – 16/01/2024 01:00:00 WIB",
    );
    expect(holdRangeText(at("2024-01-15T03:00:00Z"), at("2024-01-15T03:30:00Z"), "Asia/Makassar")).toBe(
      "15/01/2024 11:00:00–11:30:00 WITA",
    );
  });

  it("says what was held or released, with the segments", () => {
    expect(outcomeMessage("placed", hold({ segments: 180 }), JAKARTA)).toBe(
      "Held as evidence: 15/01/2024 10:00:00–10:30:00 WIB (180 segments).",
    );
    setLang("id");
    expect(outcomeMessage("released", hold({ segments: 3 }), JAKARTA)).toBe(
      "Penahanan dilepas: 15/01/2024 10:00:00–10:30:00 WIB (3 segmen).",
    );
  });

  it("words a refusal, an unknown camera or hold, an invalid request and the network", () => {
    expect(holdErrorMessage(new ApiError(403, "administrators only"), "place", "c")).toBe(
      "Only administrators can hold or release evidence.",
    );
    expect(holdErrorMessage(new ApiError(404, "no camera 'c'"), "place", "c")).toBe("The server does not know camera c.");
    expect(holdErrorMessage(new ApiError(404, "no such hold"), "release", "c")).toBe(
      "This hold no longer exists (another administrator may have released it).",
    );
    expect(holdErrorMessage(new ApiError(422, "reason: too long"), "place", "c")).toBe("Invalid request: reason: too long");
    expect(holdErrorMessage(new ApiError(0, ""), "list", "c")).toBe(
      "The holds could not be loaded: Cannot reach the server. Check your connection.",
    );
    setLang("id");
    expect(holdErrorMessage(new ApiError(403, "x"), "release", "c")).toBe("Hanya admin yang dapat menahan atau melepas bukti.");
  });
});
