// Typed client for the viewer API (see the API contract). A 401 on any
// authenticated call triggers the unauthorized handler (clear token, go to login).
import { getToken } from "./auth";
import { t } from "./i18n";

export type Role = "admin" | "viewer";

export interface Me {
  username: string;
  role: Role;
  sites: string[];
}

export interface Site {
  id: string;
  name: string;
  timezone: string;
}

export interface Camera {
  id: string;
  site: string;
  name: string;
  timezone: string;
  /** nvr: recorded by an NVR only (footage from a watch folder, no live view). */
  state: "recording" | "offline" | "nvr";
  last_segment_end: string | null;
  has_substream: boolean;
}

export interface LiveStream {
  url: string;
  expires_at: string;
  /** The relay's state for the stream ("idle" starts on the first playlist request); null: a remote relay. */
  state: "idle" | "starting" | "live" | "retrying" | null;
  /** Why it retries: a reason code, worded by the viewer (reason.*). */
  problem?: string | null;
  /** The relay's own words: admins only (null for others). */
  last_error: string | null;
  /** WebRTC (WHEP) for the same stream and token; null/absent: HLS only. */
  whep_url?: string | null;
  /** STUN/TURN servers for the RTCPeerConnection. */
  ice_servers?: RTCIceServer[];
}

export interface Segment {
  start: string;
  end: string;
  duration_s: number;
  size_bytes: number;
  codec: string;
  width: number;
  height: number;
  /** "ok" plays; anything else (quarantined, conflict, overlap, replaced...) never does. */
  status: string;
  reason: string | null;
}

/** A part of a range where nothing plays, and why. */
export interface Gap {
  start: string;
  end: string;
  /** no_recording, unplayable, overlap or kept_apart (worded by the viewer: gap.*). */
  reason: string;
  /** The segment's own reason as indexed (a tool's words), if any. */
  detail: string | null;
}

export interface Footage {
  camera: string;
  site: string;
  start: string;
  end: string;
  segments: Segment[];
  gaps: Gap[];
}

/** What a range covers and lacks (together they tile it). */
export interface Coverage {
  camera: string;
  site: string;
  timezone: string;
  start: string;
  end: string;
  covered: { start: string; end: string }[];
  missing: Gap[];
  covered_s: number;
  missing_s: number;
}

export interface Thumbnail {
  time: string;
  url: string;
  /** A sprite (the edge's, one per camera per 10 minutes): the tile to show, of `tiles`. */
  tile?: number | null;
  tiles?: number | null;
}

export interface ExportJob {
  id: string;
  camera: string;
  site: string;
  start: string;
  end: string;
  status: "queued" | "running" | "done" | "failed";
  progress: number;
  error: string | null;
  download_url: string | null;
  expires_at: string | null;
  size_bytes: number | null;
  duration_s: number | null;
  /** What the MP4 downloads as, in the site's time with its zone. */
  file_name: string | null;
  /** The JSON sidecar (covered and missing parts, segments and SHA-256), once done. */
  sidecar_url?: string | null;
  covered?: { start: string; end: string }[];
  missing?: Gap[];
  missing_s?: number;
  /** Exported as evidence: a ZIP with the original segments, signed manifests and a README too. */
  evidence?: boolean;
  /** The evidence package (ZIP), once written (the job is done only then). */
  package_url?: string | null;
}

export interface CameraStatus {
  id: string;
  name: string;
  state: "recording" | "offline" | "disabled" | "stopped" | "starting" | "nvr";
  /** The end of its newest footage. */
  last_segment_end: string | null;
  /** When its newest upload finished. */
  last_upload?: string | null;
  coverage_24h: number;
  /** Why it is red: a reason code (reason.*); null: fine. */
  problem?: string | null;
  /** The tool's own words: admins only. */
  last_error?: string | null;
  /** NVR-only: when its watch folder last gave a file. */
  last_file_at?: string | null;
  /** The live relay's state of the camera's main stream; null when unknown. */
  live?: "idle" | "starting" | "live" | "retrying" | null;
  live_viewers?: number;
  live_problem?: string | null;
  live_error?: string | null;
  /** Adaptive edge compression (issue 19): the level in use and what it measured. */
  quality?: CameraQuality | null;
}

/** What the edge measured of an adaptive camera's compression. */
export interface CameraQuality {
  /** The adaptive level in use; 0: as recorded; null: unknown. */
  level: number | null;
  /** That level's encoder setting on this camera ("as recorded", "not calibrated yet"). */
  setting: string;
  /** The level's VMAF promise. */
  floor: number | null;
  /** Bytes sent / bytes recorded, as calibrated. */
  bytes_ratio: number;
  vmaf: number | null;
  calibrated_at?: string | null;
  /** The last production spot check. */
  checked_at?: string | null;
  checked_vmaf?: number | null;
  /** Spot checks under the floor since the calibration. */
  misses: number;
}

/** A site's upload queue at its edge, with how fast it drains (from the edge report). */
export interface Backlog {
  segments: number;
  bytes: number;
  oldest: string | null;
  rate_bps?: number | null; // the last minute
  avg_rate_bps?: number | null; // the last 15 minutes
  eta_s?: number | null; // time to drain at the average rate
  compression_ratio?: number | null; // bytes recorded per byte uploaded, the last hour
  compression_profile?: string | null; // the adaptive compression level now
}

export interface SiteStatus {
  id: string;
  name: string;
  timezone: string;
  /** When the site's newest upload finished; null: not known. */
  last_upload: string | null;
  newest_footage?: string | null;
  stale: boolean;
  /** Why the site is red: a reason code (reason.*); null: fine. */
  problem?: string | null;
  /** The words behind it: admins only. */
  detail?: string | null;
  backlog: Backlog | null;
  cameras: CameraStatus[];
}

export interface StatusReport {
  generated_at: string;
  sites: SiteStatus[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(detail || `HTTP ${status}`);
    this.name = "ApiError";
  }
}

let apiBase = "";
let onUnauthorized: () => void = () => undefined;

export function configureApi(options: { base: string; onUnauthorized: () => void }): void {
  apiBase = options.base.replace(/\/+$/, "");
  onUnauthorized = options.onUnauthorized;
}

/** Treat the session as lost: also for a 401 seen outside this client (hls.js requests). */
export function notifyUnauthorized(): void {
  onUnauthorized();
}

type Query = Record<string, string | undefined>;

/** URL of an API path with its query (undefined values left out). */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, value);
  }
  const qs = params.toString();
  return `${apiBase}${path}${qs ? `?${qs}` : ""}`;
}

/** Resolve a URL the API returned (an absolute path is on the API's origin). */
export function resolveApiUrl(url: string, pageHref: string = location.href): string {
  return new URL(url, new URL(apiBase || "/", pageHref)).href;
}

/**
 * Whether a media request needs the bearer token: only the API's own /api/
 * routes do; signed segment URLs (S3) must not get it.
 */
export function needsAuthorization(url: string, pageHref: string = location.href): boolean {
  const base = new URL(apiBase || "/", pageHref);
  const target = new URL(url, pageHref);
  const prefix = `${base.pathname.replace(/\/+$/, "")}/api/`;
  return target.origin === base.origin && target.pathname.startsWith(prefix);
}

/** The detail of an error body: a string, or FastAPI's 422 list joined. */
export function parseDetail(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item: { loc?: unknown[]; msg?: string }) => {
        const field = (item.loc ?? []).filter((part) => part !== "body" && part !== "query").join(".");
        return field ? `${field}: ${item.msg ?? ""}` : (item.msg ?? "");
      })
      .join("; ");
  }
  return "";
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

interface RequestOptions {
  method?: "GET" | "POST" | "DELETE";
  query?: Query;
  body?: unknown;
  /** Send the bearer token and treat 401 as a lost session (default true). */
  auth?: boolean;
}

/** One API call: JSON in and out, an ApiError for anything but a 2xx (status 0: the network). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = "GET", query, body, auth = true } = options;
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = auth ? getToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "");
  }
  if (!response.ok) {
    if (response.status === 401 && auth) notifyUnauthorized();
    const detail = parseDetail(await response.json().catch(() => null));
    throw new ApiError(response.status, detail, parseRetryAfter(response.headers.get("Retry-After")));
  }
  return (await response.json()) as T;
}

/** A readable, translated message for any error an API call can throw. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const detail = error.detail || t("error.noDetail");
  switch (error.status) {
    case 0:
      return t("error.network");
    case 401:
      return t("error.unauthorized");
    case 403:
      return t("error.forbidden", { detail });
    case 404:
      return t("error.notFound", { detail });
    case 422:
      return t("error.invalid", { detail });
    case 429:
      return error.retryAfterSeconds === null
        ? t("error.tooManyRequests")
        : t("error.tooManyRequestsRetry", { seconds: error.retryAfterSeconds });
    case 503:
      return t("error.unavailable", { detail });
    default:
      return t("error.http", { status: error.status, detail });
  }
}

export const api = {
  login: (username: string, password: string) =>
    request<{ access_token: string; token_type: string; expires_in: number }>("/api/auth/login", {
      method: "POST",
      body: { username, password },
      auth: false,
    }),
  me: () => request<Me>("/api/me"),
  sites: () => request<Site[]>("/api/sites"),
  cameras: () => request<Camera[]>("/api/cameras"),
  live: (camera: string, quality: "main" | "sub") =>
    request<LiveStream>(`/api/cameras/${encodeURIComponent(camera)}/live`, { query: { quality } }),
  footage: (camera: string, start: string, end: string) =>
    request<Footage>("/api/footage", { query: { camera, start, end } }),
  thumbnails: (camera: string, start: string, end: string) =>
    request<{ camera: string; thumbnails: Thumbnail[] }>(
      `/api/cameras/${encodeURIComponent(camera)}/thumbnails`,
      { query: { start, end } },
    ),
  coverage: (camera: string, start: string, end: string) =>
    request<Coverage>(`/api/cameras/${encodeURIComponent(camera)}/coverage`, { query: { start, end } }),
  createExport: (camera: string, start: string, end: string, evidence = false) =>
    request<ExportJob>("/api/exports", { method: "POST", body: { camera, start, end, evidence } }),
  exportJob: (id: string) => request<ExportJob>(`/api/exports/${encodeURIComponent(id)}`),
  status: () => request<StatusReport>("/api/status"),
};

/** URL of the HLS VOD playlist of a camera's recordings in [start, end] (`codec`: see playbackCodec). */
export function playlistUrl(camera: string, start: string, end: string, codec: string | null = null): string {
  const query = codec ? { start, end, codec } : { start, end };
  return resolveApiUrl(apiUrl(`/api/cameras/${encodeURIComponent(camera)}/playback.m3u8`, query));
}
