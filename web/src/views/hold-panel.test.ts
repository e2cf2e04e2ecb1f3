// @vitest-environment happy-dom
// The evidence hold panel on a page: a reason is required, the hold is posted and the list
// asked again, a release asks once more, errors are said; only an admin's page has it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Camera, configureApi } from "../api";
import { setToken } from "../auth";
import type { EvidenceHold } from "../evidence-api";
import { setLang } from "../i18n";
import { createHoldPanel } from "./hold-panel";
import { createPlaybackPage } from "./playback-page";

const at = Date.parse;
const camera: Camera = {
  id: "ho-lobby", site: "HO", name: "Lobby", timezone: "Asia/Jakarta", state: "recording",
  last_segment_end: null, has_substream: false,
};
const HOLD: EvidenceHold = {
  id: "ho-lobby.1705287600000.1705289400000", camera: "ho-lobby", start: "2024-01-15T03:00:00Z",
  end: "2024-01-15T03:30:00Z", reason: "LP/B/123", created_by: "admin", segments: null,
};
const respond = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status });

describe("evidence hold panel", () => {
  const fetchMock = vi.fn<typeof fetch>();
  const onHeld = vi.fn();
  const calls = () => fetchMock.mock.calls.map(([url, init]) => `${init?.method ?? "GET"} ${String(url)}`);
  const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector);
  const click = (selector: string) => $<HTMLButtonElement>(selector)?.click();
  const settle = () => vi.waitFor(() => expect($("#hold-list-note")?.textContent).not.toBe("Loading the holds…"));

  /** Answers in order. */
  function serve(...answers: Response[]): void {
    fetchMock.mockImplementation(async (input) => {
      const answer = answers.shift();
      if (!answer) throw new Error(`unexpected ${String(input)}`);
      return answer;
    });
  }

  async function mount(...listed: EvidenceHold[]) {
    serve(respond(200, { holds: listed }));
    const panel = createHoldPanel(() => "15/01/2024", onHeld);
    document.body.append(panel.element);
    panel.setSource(camera, { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:30:00Z") });
    await settle();
    return panel;
  }

  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized: () => undefined });
    setToken("tok");
    setLang("en");
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
    onHeld.mockReset();
    setLang("id");
    document.body.replaceChildren();
  });

  it("lists the camera's holds in site time with who and why, and hands their ranges to the timeline", async () => {
    await mount(HOLD);
    expect(calls()).toEqual(["GET /api/evidence/holds?camera=ho-lobby"]);
    const item = $(`li.hold-item[data-hold-id="${HOLD.id}"]`);
    expect(item?.querySelector(".hold-range")?.textContent).toBe("15/01/2024 10:00:00–10:30:00 WIB");
    expect(item?.querySelector(".hold-who")?.textContent).toBe("by admin");
    expect(item?.querySelector(".hold-why")?.textContent).toBe("LP/B/123");
    expect(onHeld).toHaveBeenCalledWith("ho-lobby", [{ start: at(HOLD.start), end: at(HOLD.end) }]);
    expect($<HTMLInputElement>("#hold-start")?.value).toBe("10:00:00");
    expect($(".hold-panel .tz-abbr")?.textContent).toBe("WIB");
  });

  it("asks for a reason before anything is sent", async () => {
    await mount();
    expect($("#hold-list-note")?.textContent).toBe("No footage of this camera is held.");
    $<HTMLInputElement>("#hold-reason")!.value = "   ";
    click("#hold");
    expect($("#hold-message")?.textContent).toBe("Enter a reason, e.g. the police report number.");
    expect(calls()).toHaveLength(1); // the list only
  });

  it("places the hold of the fields' range and lists it", async () => {
    await mount();
    const placed = { ...HOLD, id: "ho-lobby.1705287600000.1705288800000", end: "2024-01-15T03:20:00Z" };
    serve(respond(201, { ...placed, segments: 120 }), respond(200, { holds: [placed] }));
    $<HTMLInputElement>("#hold-end")!.value = "10:20:00";
    $<HTMLInputElement>("#hold-reason")!.value = " LP/B/123 ";
    click("#hold");
    await vi.waitFor(() => expect($("li.hold-item")).not.toBeNull());
    const [, init] = fetchMock.mock.calls[1] ?? [];
    expect(init?.method).toBe("POST");
    expect(JSON.parse(String(init?.body))).toEqual({
      camera: "ho-lobby", start: "2024-01-15T03:00:00Z", end: "2024-01-15T03:20:00Z", reason: "LP/B/123",
    });
    expect($("#hold-message")?.textContent).toBe("Held as evidence: 15/01/2024 10:00:00–10:20:00 WIB (120 segments).");
    expect(onHeld).toHaveBeenLastCalledWith("ho-lobby", [{ start: at(placed.start), end: at(placed.end) }]);
    expect($<HTMLInputElement>("#hold-reason")?.value).toBe("");
    expect($<HTMLButtonElement>("#hold")?.disabled).toBe(false);
  });

  it("says a refusal in the user's language and keeps the reason", async () => {
    await mount();
    setLang("id");
    serve(respond(403, { detail: "administrators only" }));
    $<HTMLInputElement>("#hold-reason")!.value = "LP/B/123";
    click("#hold");
    await vi.waitFor(() => expect($("#hold-message")?.textContent).toBe("Hanya admin yang dapat menahan atau melepas bukti."));
    expect($("#hold-message")?.classList.contains("error")).toBe(true);
    expect($<HTMLInputElement>("#hold-reason")?.value).toBe("LP/B/123");
  });

  it("releases only after a confirmation, then lists again", async () => {
    await mount(HOLD);
    click(".hold-release");
    expect($(".hold-ask")?.textContent).toContain("Release this hold?");
    click(".hold-cancel");
    expect($(".hold-ask")).toBeNull();
    expect(calls()).toHaveLength(1); // nothing sent
    serve(respond(200, { ...HOLD, segments: 180 }), respond(200, { holds: [] }));
    click(".hold-release");
    click(".hold-confirm");
    await vi.waitFor(() => expect($("#hold-list-note")?.textContent).toBe("No footage of this camera is held."));
    expect(calls()[1]).toBe(`DELETE /api/evidence/holds/${HOLD.id}`);
    expect($("#hold-message")?.textContent).toBe("Hold released: 15/01/2024 10:00:00–10:30:00 WIB (180 segments).");
    expect(onHeld).toHaveBeenLastCalledWith("ho-lobby", []);
  });

  it("says a hold already released, and a list that cannot be had", async () => {
    await mount(HOLD);
    serve(respond(404, { detail: "no such hold" }), new Response("bad gateway", { status: 502 }));
    click(".hold-release");
    click(".hold-confirm");
    await vi.waitFor(() => expect($("#hold-list-note")?.classList.contains("error")).toBe(true));
    expect($("#hold-message")?.textContent).toBe("This hold no longer exists (another administrator may have released it).");
    expect($("#hold-list-note")?.textContent).toBe("The holds could not be loaded: Server error (502): no details");
  });
});

describe("the playback page", () => {
  afterEach(() => document.body.replaceChildren());

  it("has the evidence holds for an admin only", () => {
    const viewer = createPlaybackPage(document.body, () => undefined, false);
    expect(viewer.holdPanel).toBeNull();
    expect(document.querySelector("#hold-panel, #hold")).toBeNull();
    document.body.replaceChildren();
    const admin = createPlaybackPage(document.body, () => undefined, true);
    expect(admin.holdPanel).not.toBeNull();
    expect(document.querySelector("#hold-panel")?.hasAttribute("hidden")).toBe(true); // until a camera is chosen
  });
});
