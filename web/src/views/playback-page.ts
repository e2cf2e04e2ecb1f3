// The playback page's parts and what it holds while it is shown: the form, the
// message line, the player and its controls, the timeline, the parts that do not
// play, the export panel and, for admins, the evidence holds; the camera, what
// plays of the range, the player.
import type Hls from "hls.js";
import type { Camera } from "../api";
import { h } from "../dom";
import type { PlaybackGuard } from "../segment-skip";
import type { Range } from "../timeline";
import { type ExportPanel, createExportPanel } from "./export";
import type { GapNote } from "./gap-notes";
import { type HoldPanel, createHoldPanel } from "./hold-panel";
import { type PlaybackForm, createPlaybackForm } from "./playback-form";
import { type PlaybackMessages, createPlaybackMessages } from "./playback-messages";
import { type Transport, createTransport } from "./playback-transport";
import { type TimelineBar, createTimelineBar } from "./timeline-bar";

export interface PlaybackPage {
  readonly form: PlaybackForm;
  readonly messages: PlaybackMessages;
  readonly transport: Transport;
  readonly timeline: TimelineBar;
  readonly exportPanel: ExportPanel;
  /** Evidence holds: admins only (null for anyone else). */
  readonly holdPanel: HoldPanel | null;
  cameras: Map<string, Camera>;
  camera: Camera | null;
  /** What plays of the range loaded. */
  recorded: Range[];
  /** The server's parts without playable footage. */
  serverGaps: GapNote[];
  /** The parts the player skipped. */
  skipped: Range[];
  hls: Hls | null;
  guard: PlaybackGuard | null;
  /** Counts loads: an answer for an earlier one is dropped. */
  loadGeneration: number;
  disposed: boolean;
}

/** The page's parts in `container`; `onSeek` gets a wall-clock time picked on the timeline;
 * `admin`: the evidence holds are shown. */
export function createPlaybackPage(
  container: HTMLElement,
  onSeek: (time: number) => void,
  admin: boolean,
): PlaybackPage {
  const form = createPlaybackForm();
  const messages = createPlaybackMessages();
  const transport = createTransport();
  const timelineRoot = h("div", { id: "timeline" });
  const timeline = createTimelineBar(timelineRoot, onSeek);
  const exportPanel = createExportPanel(form.date);
  const holdPanel = admin ? createHoldPanel(form.date, timeline.setHeld) : null;
  container.append(
    h(
      "div",
      { class: "playback-page" },
      form.element,
      messages.line,
      transport.player,
      transport.controls,
      timelineRoot,
      messages.notes,
      exportPanel.element,
      holdPanel?.element,
    ),
  );
  return {
    form,
    messages,
    transport,
    timeline,
    exportPanel,
    holdPanel,
    cameras: new Map(),
    camera: null,
    recorded: [],
    serverGaps: [],
    skipped: [],
    hls: null,
    guard: null,
    loadGeneration: 0,
    disposed: false,
  };
}
