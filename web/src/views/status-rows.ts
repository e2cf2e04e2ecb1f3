// One row of the status table: a site's (its state, last upload, backlog and how
// fast it drains) or a camera's (state and reason, last upload, 24 h coverage, live).
// Whether a row is red is decided by siteIsBad / cameraIsBad, over the API's data.
import type { Backlog, CameraStatus, SiteStatus } from "../api";
import { h } from "../dom";
import { formatBytes, formatDuration, formatNumber, formatPercent } from "../format";
import { type MessageKey, dictionaries, t } from "../i18n";
import { reasonText, technicalDetails } from "../reasons";
import { formatSiteDateTime, parseIso, relativeTime, zoneAbbr } from "../time";

/** A second line under a time: the newest footage, or an NVR folder's last file. */
interface Also {
  key: "status.newestFootage" | "status.lastFile";
  iso: string | null | undefined;
}

/** "5 menit lalu" above "15/01/2024 10:03:12 WIB" (and "rekaman terbaru 1 menit lalu"), or a dash. */
function whenCell(iso: string | null | undefined, tz: string, now: number, also?: Also): HTMLTableCellElement {
  const time = parseIso(iso);
  const other = parseIso(also?.iso);
  const second =
    also && other !== null ? h("small", { class: "newest" }, t(also.key, { when: relativeTime(other, now) })) : null;
  if (time === null) return h("td", { class: "when" }, "—", second);
  return h(
    "td",
    { class: "when" },
    h("span", { class: "relative" }, relativeTime(time, now)),
    h("small", { class: "absolute" }, formatSiteDateTime(time, tz)),
    second,
  );
}

/** What a state is called; a state this viewer does not know is shown as it is. */
function stateText(state: string): string {
  const key = `state.${state}`;
  return key in dictionaries.id ? t(key as MessageKey) : state;
}

/** "2.4 Mbit/s · empty in 25 min · compression 3.1:1 (cctv-h264)", or null. */
function drainLine(backlog: Backlog): HTMLElement | null {
  const parts: string[] = [];
  if (backlog.avg_rate_bps) {
    parts.push(t("status.uploadRate", { rate: formatNumber(backlog.avg_rate_bps / 1e6, 1) }));
  }
  if (backlog.eta_s != null && backlog.segments > 0) {
    parts.push(t("status.drainEta", { eta: formatDuration(backlog.eta_s * 1000) }));
  }
  if (backlog.compression_ratio) {
    const level = backlog.compression_profile ? ` (${backlog.compression_profile})` : "";
    parts.push(t("status.compression", { ratio: formatNumber(backlog.compression_ratio, 1) }) + level);
  }
  return parts.length ? h("small", { class: "drain" }, parts.join(" · ")) : null;
}

function backlogCell(site: SiteStatus, now: number): HTMLTableCellElement {
  if (!site.backlog) return h("td", { class: "backlog" }, "—");
  const { segments, bytes, oldest } = site.backlog;
  const oldestTime = parseIso(oldest);
  return h(
    "td",
    { class: "backlog" },
    h("span", {}, t("status.backlogSegments", { n: segments }), " · ", formatBytes(bytes)),
    oldestTime === null
      ? null
      : h("small", {}, t("status.backlogOldest", { when: relativeTime(oldestTime, now) })),
    drainLine(site.backlog),
  );
}

/** A site is red when it has a problem (an older API only says whether it is stale). */
export function siteIsBad(site: Pick<SiteStatus, "problem" | "stale">): boolean {
  return site.problem !== undefined ? site.problem !== null : site.stale;
}

/** A camera is red when it has a problem or is offline or stopped; a disabled one never. */
export function cameraIsBad(camera: Pick<CameraStatus, "problem" | "state">): boolean {
  if (camera.state === "disabled") return false;
  return Boolean(camera.problem) || camera.state === "offline" || camera.state === "stopped";
}

export function siteRow(site: SiteStatus, now: number, admin: boolean): HTMLTableRowElement {
  const bad = siteIsBad(site);
  const label = site.problem ? reasonText(site.problem) : t(bad ? "status.stale" : "status.siteOk");
  return h(
    "tr",
    { class: bad ? "site-row bad" : "site-row", "data-site": site.id },
    h("th", { scope: "rowgroup" }, site.name, " ", h("small", {}, zoneAbbr(site.timezone))),
    h("td", { class: "state" }, label, technicalDetails(site.detail, admin)),
    whenCell(site.last_upload, site.timezone, now, { key: "status.newestFootage", iso: site.newest_footage }),
    backlogCell(site, now),
    h("td", {}, ""),
    h("td", {}, ""),
  );
}

function liveCell(camera: CameraStatus, admin: boolean): HTMLTableCellElement {
  if (!camera.live) return h("td", { class: "live" }, "–");
  const viewers = camera.live_viewers ? ` · ${t("status.watching", { n: camera.live_viewers })}` : "";
  const retrying = camera.live === "retrying";
  return h(
    "td",
    { class: `live ${retrying ? "bad" : ""}`.trim(), title: retrying ? reasonText(camera.live_problem) : "" },
    t(`live.state.${camera.live}`),
    viewers,
    retrying ? technicalDetails(camera.live_error, admin) : null,
  );
}

export function cameraRow(site: SiteStatus, camera: CameraStatus, now: number, admin: boolean): HTMLTableRowElement {
  const disabled = camera.state === "disabled";
  const bad = cameraIsBad(camera);
  const classes = ["camera-row", bad ? "bad" : "", disabled ? "muted" : ""];
  const nvr = camera.state === "nvr";
  return h(
    "tr",
    { class: classes.filter(Boolean).join(" "), "data-site": site.id, "data-camera": camera.id },
    h("td", { class: "name" }, camera.name),
    h(
      "td",
      { class: "state" },
      h("span", { class: `dot ${camera.state}${bad ? " bad" : ""}` }),
      stateText(camera.state),
      bad ? h("small", { class: "reason" }, reasonText(camera.problem)) : null,
      bad ? technicalDetails(camera.last_error, admin) : null,
    ),
    whenCell(camera.last_upload, site.timezone, now, {
      key: nvr ? "status.lastFile" : "status.newestFootage",
      iso: nvr ? camera.last_file_at : camera.last_segment_end,
    }),
    qualityCell(camera),
    h("td", { class: "coverage" }, formatPercent(camera.coverage_24h)),
    liveCell(camera, admin),
  );
}

/** An adaptive camera's compression: level in use, bytes ratio and measured VMAF
 * against its promise; a production spot check under the promise shows red. */
export function qualityCell(camera: CameraStatus): HTMLTableCellElement {
  const q = camera.quality;
  if (!q || q.level === null) return h("td", { class: "quality" }, "");
  if (q.level === 0 || q.floor === null || q.vmaf === null) {
    const key = q.setting === "not calibrated yet" ? "status.qualityUncalibrated" : "status.qualityRecorded";
    return h("td", { class: "quality" }, t(key, { level: q.level }));
  }
  const missed = q.misses > 0 && q.checked_vmaf != null;
  return h(
    "td",
    { class: missed ? "quality bad" : "quality", title: q.setting },
    t("status.quality", {
      level: q.level,
      ratio: formatPercent(q.bytes_ratio),
      vmaf: formatNumber(q.vmaf, 1),
      floor: formatNumber(q.floor, 0),
    }),
    missed
      ? h("small", { class: "reason" }, t("status.qualityMissed", { vmaf: formatNumber(q.checked_vmaf ?? 0, 1) }))
      : null,
  );
}
