// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n";
import { type TimelineBar, createTimelineBar } from "./timeline-bar";

const T0 = Date.parse("2024-01-15T03:00:00Z"); // 10:00 WIB
const s = (seconds: number): number => T0 + seconds * 1000;

describe("timeline bar", () => {
  let root: HTMLDivElement;
  let bar: TimelineBar;
  const onSeek = vi.fn();

  const pointer = (type: string, x: number): void => {
    root.dispatchEvent(new PointerEvent(type, { clientX: x, button: 0, pointerId: 1, pointerType: "mouse", bubbles: true }));
  };

  beforeEach(() => {
    setLang("en");
    root = document.createElement("div");
    root.id = "timeline";
    document.body.append(root);
    bar = createTimelineBar(root, onSeek);
    const track = root.querySelector<HTMLElement>(".tl-track");
    if (track) {
      track.getBoundingClientRect = () => ({ left: 0, top: 0, width: 1000, height: 30, right: 1000, bottom: 30, x: 0, y: 0, toJSON: () => ({}) });
    }
    bar.setData({
      range: { start: s(0), end: s(3600) },
      tz: "Asia/Jakarta",
      recorded: [{ start: s(0), end: s(1800) }, { start: s(2700), end: s(3600) }],
      gaps: [{ start: s(1800), end: s(2700), reason: "no_recording" }],
    });
    bar.setThumbnails([0, 900, 1800, 2700].map((sec) => ({ time: s(sec), url: `thumb-${sec}.jpg` })));
  });

  afterEach(() => {
    bar.destroy();
    root.remove();
    onSeek.mockReset();
    setLang("id");
  });

  it("draws recorded ranges and gaps with a tooltip", () => {
    const gap = root.querySelector<HTMLElement>(".tl-gap");
    expect(root.querySelectorAll(".tl-rec")).toHaveLength(2);
    expect(gap?.style.left).toBe("50.0000%");
    expect(gap?.style.width).toBe("25.0000%");
    expect(gap?.title).toBe("No recording 10:30:00 – 10:45:00 (15 min)");
  });

  it("says why a part does not play, and marks the parts the player skipped", () => {
    bar.setData({
      range: { start: s(0), end: s(3600) },
      tz: "Asia/Jakarta",
      recorded: [{ start: s(0), end: s(1800) }, { start: s(1860), end: s(3600) }],
      gaps: [{ start: s(1800), end: s(1860), reason: "unplayable" }],
    });
    const bad = root.querySelector<HTMLElement>(".tl-gap.tl-bad");
    expect(bad?.dataset.reason).toBe("unplayable");
    expect(bad?.title).toBe("recording cannot be played: 10:30:00 – 10:31:00 (1 min)");
    pointer("pointermove", 501);
    expect(root.querySelector(".tl-hover-time")?.textContent).toBe("10:30:03 · recording cannot be played");
    bar.setSkipped([{ start: s(2700), end: s(2760) }]);
    expect(root.querySelector<HTMLElement>(".tl-skipped")?.title).toBe("Skipped, cannot be played 10:45:00 – 10:46:00 (1 min)");
    pointer("pointermove", 751);
    expect(root.querySelector(".tl-hover-time")?.textContent).toBe("10:45:03 · cannot be played");
    bar.setData(null);
    expect(root.querySelectorAll(".tl-skipped")).toHaveLength(0);
  });

  it("labels ticks in site time", () => {
    const labels = [...root.querySelectorAll(".tl-tick")].map((tick) => tick.textContent);
    expect(labels[0]).toBe("10:00");
    expect(labels[labels.length - 1]).toBe("11:00");
  });

  it("shows the nearest thumbnail and time on hover", () => {
    pointer("pointermove", 240);
    const preview = root.querySelector<HTMLImageElement>("img#thumb-preview");
    expect(preview?.hidden).toBe(false);
    expect(preview?.getAttribute("src")).toBe("thumb-900.jpg");
    expect(root.querySelector(".tl-hover-time")?.textContent).toBe("10:14:24");
    pointer("pointermove", 600);
    expect(root.querySelector(".tl-hover-time")?.textContent).toBe("10:36:00 · no recording");
    root.dispatchEvent(new PointerEvent("pointerleave"));
    expect(root.querySelector<HTMLElement>(".tl-hover")?.hidden).toBe(true);
  });

  it("seeks to the clicked wall-clock time", () => {
    pointer("pointerdown", 250);
    pointer("pointerup", 250);
    expect(onSeek).toHaveBeenCalledExactlyOnceWith(s(900));
  });

  it("seeks where a drag ends and moves the playhead while dragging", () => {
    pointer("pointerdown", 100);
    pointer("pointermove", 300);
    expect(root.querySelector<HTMLElement>(".tl-playhead")?.style.left).toBe("30.0000%");
    bar.setPlayhead(s(0));
    expect(root.querySelector<HTMLElement>(".tl-playhead")?.style.left).toBe("30.0000%");
    pointer("pointerup", 400);
    expect(onSeek).toHaveBeenCalledExactlyOnceWith(s(1440));
  });

  it("follows the playhead and seeks with the keyboard", () => {
    bar.setPlayhead(s(900));
    expect(root.querySelector<HTMLElement>(".tl-playhead")?.style.left).toBe("25.0000%");
    expect(root.getAttribute("aria-valuetext")).toBe("10:15:00");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight" }));
    expect(onSeek).toHaveBeenLastCalledWith(s(910));
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "Home" }));
    expect(onSeek).toHaveBeenLastCalledWith(s(0));
  });

  it("re-translates tooltips when the language changes", () => {
    setLang("id");
    expect(root.querySelector<HTMLElement>(".tl-gap")?.title).toBe("Tidak ada rekaman 10:30:00 – 10:45:00 (15 mnt)");
  });

  it("clears when there is no data", () => {
    bar.setData(null);
    expect(root.querySelectorAll(".tl-rec, .tl-gap, .tl-tick")).toHaveLength(0);
    expect(root.classList.contains("empty")).toBe(true);
  });
});
