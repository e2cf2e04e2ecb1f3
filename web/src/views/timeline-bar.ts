// The playback timeline: recorded ranges, gaps with their reasons, parts the
// player skipped, ticks in site time, a playhead, thumbnail preview on hover,
// and click / drag (mouse or touch) to seek.
import { h } from "../dom";
import { formatDuration } from "../format";
import { onLangChange, t } from "../i18n";
import { formatTime } from "../time";
import { gapReason } from "./gap-notes";
import {
  type Range,
  fractionToTime,
  generateTicks,
  nearestByTime,
  timeToFraction,
} from "../timeline";

/** A part without playable footage: `reason` is a gap.* code (no_recording, unplayable...). */
export interface TimelineGap extends Range {
  reason: string;
}

export interface TimelineData {
  range: Range;
  tz: string;
  recorded: Range[];
  gaps: TimelineGap[];
}

export interface TimelineThumbnail {
  time: number;
  url: string;
}

export interface TimelineBar {
  setData(data: TimelineData | null): void;
  /** Thumbnails sorted by time. */
  setThumbnails(thumbnails: TimelineThumbnail[]): void;
  setPlayhead(time: number | null): void;
  /** Parts the player could not play and went past. */
  setSkipped(parts: Range[]): void;
  destroy(): void;
}

const TICK_SPACING_PX = 72;
const KEY_STEP_MS = 10_000;

const percent = (fraction: number): string => `${(fraction * 100).toFixed(4)}%`;

/** Positions go through the CSSOM: the viewer's CSP (style-src 'self') drops style attributes. */
function placed<E extends HTMLElement>(element: E, left: number, width?: number): E {
  element.style.left = percent(left);
  if (width !== undefined) element.style.width = percent(width);
  return element;
}

export function createTimelineBar(root: HTMLElement, onSeek: (time: number) => void): TimelineBar {
  let data: TimelineData | null = null;
  let thumbnails: TimelineThumbnail[] = [];
  let skipped: Range[] = [];
  let playhead: number | null = null;
  let dragging = false;

  const layers = h("div", { class: "tl-layers" });
  const playheadEl = h("div", { class: "tl-playhead", hidden: true });
  const cursor = h("div", { class: "tl-cursor", hidden: true });
  const track = h("div", { class: "tl-track" }, layers, cursor, playheadEl);
  const ticks = h("div", { class: "tl-ticks" });
  const preview = h("img", { id: "thumb-preview", alt: "", hidden: true });
  const hoverTime = h("span", { class: "tl-hover-time" });
  const hover = h("div", { class: "tl-hover", hidden: true }, preview, hoverTime);
  root.classList.add("timeline");
  root.tabIndex = 0;
  root.setAttribute("role", "slider");
  root.setAttribute("data-i18n-label", "timeline.label");
  root.setAttribute("aria-label", t("timeline.label"));
  root.replaceChildren(track, ticks, hover);

  const rangeText = (range: Range, tz: string): string =>
    `${formatTime(range.start, tz)} – ${formatTime(range.end, tz)} (${formatDuration(range.end - range.start)})`;

  function block(kind: string, range: Range, bar: Range, title: string, reason?: string): HTMLElement {
    const left = timeToFraction(range.start, bar);
    const right = timeToFraction(range.end, bar);
    const element = h("div", {
      class: kind,
      title,
      "data-start": String(range.start),
      "data-end": String(range.end),
      "data-reason": reason,
    });
    return placed(element, left, right - left);
  }

  function gapBlock(gap: TimelineGap, bar: Range, tz: string): HTMLElement {
    const range = rangeText(gap, tz);
    if (gap.reason === "no_recording") return block("tl-gap", gap, bar, t("timeline.gap", { range }), gap.reason);
    const title = t("timeline.gapReason", { reason: gapReason(gap.reason), range });
    return block("tl-gap tl-bad", gap, bar, title, gap.reason);
  }

  /** The words for a moment on the bar that does not play, or null. */
  function notPlaying(time: number): string | null {
    if (!data) return null;
    const inside = (r: Range): boolean => time >= r.start && time < r.end;
    if (skipped.some(inside)) return gapReason("skipped");
    const gap = data.gaps.find(inside);
    return gap ? gapReason(gap.reason) : null;
  }

  function render(): void {
    root.classList.toggle("empty", !data);
    if (!data) {
      layers.replaceChildren();
      ticks.replaceChildren();
      playheadEl.hidden = true;
      return;
    }
    const { tz, range } = data;
    layers.replaceChildren(
      ...data.recorded.map((r) => block("tl-rec", r, range, t("timeline.recorded", { range: rangeText(r, tz) }))),
      ...data.gaps.map((gap) => gapBlock(gap, range, tz)),
      ...skipped.map((r) => block("tl-skipped tl-bad", r, range, t("timeline.skipped", { range: rangeText(r, tz) }))),
    );
    const maxTicks = Math.max(2, Math.floor((root.clientWidth || 640) / TICK_SPACING_PX));
    ticks.replaceChildren(
      ...generateTicks(range, tz, maxTicks).map((tick) => {
        const fraction = timeToFraction(tick.time, range);
        const classes = ["tl-tick", tick.isDay ? "day" : "", fraction < 0.02 ? "first" : "", fraction > 0.98 ? "last" : ""];
        return placed(h("span", { class: classes.filter(Boolean).join(" ") }, tick.label), fraction);
      }),
    );
    root.setAttribute("aria-valuemin", String(range.start));
    root.setAttribute("aria-valuemax", String(range.end));
    renderPlayhead();
  }

  function renderPlayhead(): void {
    if (!data || playhead === null) {
      playheadEl.hidden = true;
      return;
    }
    playheadEl.hidden = false;
    playheadEl.style.left = percent(timeToFraction(playhead, data.range));
    root.setAttribute("aria-valuenow", String(playhead));
    root.setAttribute("aria-valuetext", formatTime(playhead, data.tz));
  }

  function timeAt(clientX: number): number | null {
    if (!data) return null;
    const rect = track.getBoundingClientRect();
    return rect.width > 0 ? fractionToTime((clientX - rect.left) / rect.width, data.range) : null;
  }

  function showHover(time: number): void {
    if (!data) return;
    const fraction = timeToFraction(time, data.range);
    cursor.hidden = false;
    cursor.style.left = percent(fraction);
    hover.hidden = false;
    hover.style.left = percent(fraction);
    hover.classList.toggle("flip", fraction > 0.5);
    const why = notPlaying(time);
    hoverTime.textContent = `${formatTime(time, data.tz)}${why ? ` · ${why}` : ""}`;
    const thumbnail = nearestByTime(thumbnails, time);
    preview.hidden = !thumbnail;
    if (thumbnail && preview.getAttribute("src") !== thumbnail.url) preview.src = thumbnail.url;
  }

  function hideHover(): void {
    hover.hidden = true;
    cursor.hidden = true;
  }

  const onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0 || !data) return;
    const time = timeAt(event.clientX);
    if (time === null) return;
    dragging = true;
    root.setPointerCapture?.(event.pointerId);
    root.classList.add("dragging");
    playhead = time;
    renderPlayhead();
    showHover(time);
    event.preventDefault();
  };

  const onPointerMove = (event: PointerEvent): void => {
    const time = timeAt(event.clientX);
    if (time === null) return;
    showHover(time);
    if (dragging) {
      playhead = time;
      renderPlayhead();
    }
  };

  const endDrag = (event: PointerEvent, seek: boolean): void => {
    if (!dragging) return;
    dragging = false;
    root.classList.remove("dragging");
    if (root.hasPointerCapture?.(event.pointerId)) root.releasePointerCapture(event.pointerId);
    const time = timeAt(event.clientX);
    if (seek && time !== null) onSeek(time);
    if (event.pointerType !== "mouse") hideHover();
  };

  const onPointerUp = (event: PointerEvent): void => endDrag(event, true);
  const onPointerCancel = (event: PointerEvent): void => {
    endDrag(event, false);
    hideHover();
  };
  const onPointerLeave = (): void => {
    if (!dragging) hideHover();
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (!data) return;
    const current = playhead ?? data.range.start;
    const step = event.shiftKey ? 6 * KEY_STEP_MS : KEY_STEP_MS;
    const targets: Record<string, number> = {
      ArrowLeft: current - step,
      ArrowRight: current + step,
      Home: data.range.start,
      End: data.range.end,
    };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    onSeek(Math.min(data.range.end, Math.max(data.range.start, target)));
  };

  root.addEventListener("pointerdown", onPointerDown);
  root.addEventListener("pointermove", onPointerMove);
  root.addEventListener("pointerup", onPointerUp);
  root.addEventListener("pointercancel", onPointerCancel);
  root.addEventListener("pointerleave", onPointerLeave);
  root.addEventListener("keydown", onKeyDown);
  window.addEventListener("resize", render);
  const offLang = onLangChange(render);
  render();

  return {
    setData(next) {
      data = next;
      skipped = [];
      playhead = null;
      hideHover();
      render();
    },
    setThumbnails(next) {
      thumbnails = next;
    },
    setSkipped(parts) {
      skipped = [...parts];
      render();
    },
    setPlayhead(time) {
      if (dragging) return;
      playhead = time;
      renderPlayhead();
    },
    destroy() {
      window.removeEventListener("resize", render);
      offLang();
      root.replaceChildren();
    },
  };
}
