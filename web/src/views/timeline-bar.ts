// The playback timeline: recorded ranges, gaps, ticks in site time, a playhead,
// thumbnail preview on hover, and click / drag (mouse or touch) to seek.
import { h } from "../dom";
import { formatDuration } from "../format";
import { onLangChange, t } from "../i18n";
import { formatTime } from "../time";
import {
  type Range,
  fractionToTime,
  generateTicks,
  nearestByTime,
  timeToFraction,
} from "../timeline";

export interface TimelineData {
  range: Range;
  tz: string;
  recorded: Range[];
  gaps: Range[];
  quarantined: Range[];
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
  destroy(): void;
}

const TICK_SPACING_PX = 72;
const KEY_STEP_MS = 10_000;

const percent = (fraction: number): string => `${(fraction * 100).toFixed(4)}%`;

export function createTimelineBar(root: HTMLElement, onSeek: (time: number) => void): TimelineBar {
  let data: TimelineData | null = null;
  let thumbnails: TimelineThumbnail[] = [];
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

  function block(kind: string, range: Range, bar: Range, title: string): HTMLElement {
    const left = timeToFraction(range.start, bar);
    const right = timeToFraction(range.end, bar);
    return h("div", {
      class: kind,
      style: `left:${percent(left)};width:${percent(right - left)}`,
      title,
      "data-start": String(range.start),
      "data-end": String(range.end),
    });
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
      ...data.gaps.map((r) => block("tl-gap", r, range, t("timeline.gap", { range: rangeText(r, tz) }))),
      ...data.quarantined.map((r) =>
        block("tl-quarantined", r, range, t("timeline.quarantined", { range: rangeText(r, tz) })),
      ),
    );
    const maxTicks = Math.max(2, Math.floor((root.clientWidth || 640) / TICK_SPACING_PX));
    ticks.replaceChildren(
      ...generateTicks(range, tz, maxTicks).map((tick) => {
        const fraction = timeToFraction(tick.time, range);
        const classes = ["tl-tick", tick.isDay ? "day" : "", fraction < 0.02 ? "first" : "", fraction > 0.98 ? "last" : ""];
        return h("span", { class: classes.filter(Boolean).join(" "), style: `left:${percent(fraction)}` }, tick.label);
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
    const inGap = data.gaps.some((gap) => time >= gap.start && time < gap.end);
    hoverTime.textContent = `${formatTime(time, data.tz)}${inGap ? ` · ${t("timeline.noRecording")}` : ""}`;
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
      playhead = null;
      hideHover();
      render();
    },
    setThumbnails(next) {
      thumbnails = next;
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
