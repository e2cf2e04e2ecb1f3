// The playback timeline's input: click or drag (mouse or touch) to move the
// playhead and seek where it is let go, hover to preview, arrows / Home / End to
// step. It changes the model (timeline-model.ts) and redraws what changed.
import { drawHover, drawPlayhead, hideHover, type TimelineParts } from "./timeline-draw";
import { type TimelineState, keyTarget, timeAtOffset } from "./timeline-model";

type Seek = (time: number) => void;

function timeAt(parts: TimelineParts, state: TimelineState, clientX: number): number | null {
  if (!state.data) return null;
  const rect = parts.track.getBoundingClientRect();
  return timeAtOffset(clientX - rect.left, rect.width, state.data.range);
}

function movePlayhead(parts: TimelineParts, state: TimelineState, time: number): void {
  state.playhead = time;
  drawPlayhead(parts, state);
}

function bindDrag(parts: TimelineParts, state: TimelineState, onSeek: Seek): void {
  const { root } = parts;
  root.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !state.data) return;
    const time = timeAt(parts, state, event.clientX);
    if (time === null) return;
    state.dragging = true;
    root.setPointerCapture?.(event.pointerId);
    root.classList.add("dragging");
    movePlayhead(parts, state, time);
    drawHover(parts, state, time);
    event.preventDefault();
  });
  const endDrag = (event: PointerEvent, seek: boolean): void => {
    if (!state.dragging) return;
    state.dragging = false;
    root.classList.remove("dragging");
    if (root.hasPointerCapture?.(event.pointerId)) root.releasePointerCapture(event.pointerId);
    const time = timeAt(parts, state, event.clientX);
    if (seek && time !== null) onSeek(time);
    if (event.pointerType !== "mouse") hideHover(parts);
  };
  root.addEventListener("pointerup", (event) => endDrag(event, true));
  root.addEventListener("pointercancel", (event) => {
    endDrag(event, false);
    hideHover(parts);
  });
}

function bindHover(parts: TimelineParts, state: TimelineState): void {
  parts.root.addEventListener("pointermove", (event) => {
    const time = timeAt(parts, state, event.clientX);
    if (time === null) return;
    drawHover(parts, state, time);
    if (state.dragging) movePlayhead(parts, state, time);
  });
  parts.root.addEventListener("pointerleave", () => {
    if (!state.dragging) hideHover(parts);
  });
}

function bindKeys(parts: TimelineParts, state: TimelineState, onSeek: Seek): void {
  parts.root.addEventListener("keydown", (event) => {
    if (!state.data) return;
    const target = keyTarget(state.data.range, state.playhead, event.key, event.shiftKey);
    if (target === null) return;
    event.preventDefault();
    onSeek(target);
  });
}

/** Listen on the bar's root for the pointer and the keys. */
export function bindTimelineInput(parts: TimelineParts, state: TimelineState, onSeek: Seek): void {
  bindDrag(parts, state, onSeek);
  bindHover(parts, state);
  bindKeys(parts, state, onSeek);
}
