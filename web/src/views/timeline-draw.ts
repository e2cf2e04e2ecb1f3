// The playback timeline's drawing: the bar's elements, and the model
// (timeline-model.ts) put on them. Positions go through the CSSOM: the viewer's
// CSP (style-src 'self') drops style attributes.
import { h } from "../dom";
import { t } from "../i18n";
import { formatTime } from "../time";
import { timeToFraction } from "../timeline";
import {
  type TimelineState,
  heldParts,
  hoverText,
  thumbnailAt,
  thumbnailPosition,
  timelineBlocks,
  timelineTicks,
} from "./timeline-model";

export interface TimelineParts {
  readonly root: HTMLElement;
  readonly track: HTMLDivElement;
  readonly layers: HTMLDivElement;
  readonly ticks: HTMLDivElement;
  readonly playhead: HTMLDivElement;
  readonly cursor: HTMLDivElement;
  readonly hover: HTMLDivElement;
  readonly preview: HTMLImageElement;
  readonly hoverTime: HTMLSpanElement;
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(4)}%`;

function placed<E extends HTMLElement>(element: E, left: number, width?: number): E {
  element.style.left = percent(left);
  if (width !== undefined) element.style.width = percent(width);
  return element;
}

/** The bar's elements, in `root` (which becomes the slider). */
export function buildTimeline(root: HTMLElement): TimelineParts {
  const layers = h("div", { class: "tl-layers" });
  const playhead = h("div", { class: "tl-playhead", hidden: true });
  const cursor = h("div", { class: "tl-cursor", hidden: true });
  const track = h("div", { class: "tl-track" }, layers, cursor, playhead);
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
  return { root, track, layers, ticks, playhead, cursor, hover, preview, hoverTime };
}

/** The blocks, the ticks and the playhead; an empty bar without data. */
export function drawTimeline(parts: TimelineParts, state: TimelineState): void {
  const { root, layers, ticks } = parts;
  const { data } = state;
  root.classList.toggle("empty", !data);
  if (!data) {
    layers.replaceChildren();
    ticks.replaceChildren();
    parts.playhead.hidden = true;
    return;
  }
  layers.replaceChildren(
    ...timelineBlocks(data, state.skipped, heldParts(state)).map((b) => {
      const attrs = { class: b.kind, title: b.title, "data-start": String(b.start), "data-end": String(b.end) };
      return placed(h("div", { ...attrs, "data-reason": b.reason }), b.left, b.width);
    }),
  );
  ticks.replaceChildren(
    ...timelineTicks(data, root.clientWidth).map((tick) =>
      placed(h("span", { class: tick.classes }, tick.label), tick.left),
    ),
  );
  root.setAttribute("aria-valuemin", String(data.range.start));
  root.setAttribute("aria-valuemax", String(data.range.end));
  drawPlayhead(parts, state);
}

export function drawPlayhead(parts: TimelineParts, { data, playhead }: TimelineState): void {
  if (!data || playhead === null) {
    parts.playhead.hidden = true;
    return;
  }
  parts.playhead.hidden = false;
  parts.playhead.style.left = percent(timeToFraction(playhead, data.range));
  parts.root.setAttribute("aria-valuenow", String(playhead));
  parts.root.setAttribute("aria-valuetext", formatTime(playhead, data.tz));
}

/** The cursor line and the hover box at a moment: its time, why it does not play, a thumbnail. */
export function drawHover(parts: TimelineParts, state: TimelineState, time: number): void {
  const { data } = state;
  if (!data) return;
  const { cursor, hover, preview } = parts;
  const fraction = timeToFraction(time, data.range);
  cursor.hidden = false;
  cursor.style.left = percent(fraction);
  hover.hidden = false;
  hover.style.left = percent(fraction);
  hover.classList.toggle("flip", fraction > 0.5);
  parts.hoverTime.textContent = hoverText(data, state.skipped, time);
  const thumbnail = thumbnailAt(state, time);
  preview.hidden = !thumbnail;
  if (thumbnail && preview.getAttribute("src") !== thumbnail.url) preview.src = thumbnail.url;
  // CSSOM, not a style attribute (the viewer's CSP): a sprite shows one tile
  if (thumbnail) preview.style.objectPosition = thumbnailPosition(thumbnail);
}

export function hideHover(parts: TimelineParts): void {
  parts.hover.hidden = true;
  parts.cursor.hidden = true;
}
