// The playback timeline: recorded ranges, gaps with their reasons, parts the
// player skipped, parts held as evidence (admins), ticks in site time, a
// playhead, thumbnail preview on hover, and click / drag (mouse or touch) to
// seek. Its model is timeline-model.ts, its drawing timeline-draw.ts, its
// pointer and keys timeline-input.ts.
import { onLangChange } from "../i18n";
import type { Range } from "../timeline";
import { buildTimeline, drawPlayhead, drawTimeline, hideHover } from "./timeline-draw";
import { bindTimelineInput } from "./timeline-input";
import { type TimelineData, type TimelineThumbnail, emptyTimeline } from "./timeline-model";

export type { TimelineData, TimelineGap, TimelineThumbnail } from "./timeline-model";

export interface TimelineBar {
  setData(data: TimelineData | null): void;
  /** Thumbnails sorted by time. */
  setThumbnails(thumbnails: TimelineThumbnail[]): void;
  setPlayhead(time: number | null): void;
  /** Parts the player could not play and went past. */
  setSkipped(parts: Range[]): void;
  /** A camera's parts held as evidence: drawn while the bar shows that camera. */
  setHeld(camera: string, parts: Range[]): void;
  destroy(): void;
}

export function createTimelineBar(root: HTMLElement, onSeek: (time: number) => void): TimelineBar {
  const state = emptyTimeline();
  const parts = buildTimeline(root);
  const render = (): void => drawTimeline(parts, state);
  bindTimelineInput(parts, state, onSeek);
  window.addEventListener("resize", render);
  const offLang = onLangChange(render);
  render();

  return {
    setData(next) {
      state.data = next;
      state.skipped = [];
      state.playhead = null;
      hideHover(parts);
      render();
    },
    setThumbnails(next) {
      state.thumbnails = next;
    },
    setSkipped(skipped) {
      state.skipped = [...skipped];
      render();
    },
    setHeld(camera, parts) {
      state.held = { camera, parts: [...parts] };
      render();
    },
    setPlayhead(time) {
      if (state.dragging) return;
      state.playhead = time;
      drawPlayhead(parts, state);
    },
    destroy() {
      window.removeEventListener("resize", render);
      offLang();
      root.replaceChildren();
    },
  };
}
