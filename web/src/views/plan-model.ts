// The plan (GET /api/plan, footage/services/plan.py) as the page reads it, and the
// pure parts of showing it: the hour of the week, each site's verdict and the
// geometry of its week chart.
import { formatNumber } from "../format";
import { locale, t } from "../i18n";

export interface SitePlan {
  site: string;
  name: string;
  timezone: string;
  cameras: number;
  keeps_up: boolean;
  /** Why not: "uplink" or "cpu"; null when it keeps up. */
  limit: "uplink" | "cpu" | null;
  level: number;
  profile: string;
  recorded_gb_day: number;
  upload_gb_day: number;
  /** null: no upload cap is configured. */
  capacity_gb_day: number | null;
  slowest_day_gb: number | null;
  growth_gb_day: number;
  backlog_peak_gb: number;
  /** Hours since Monday 00:00 in the site's clock. */
  peak_at: number;
  drained_at: number | null;
  cpu_cores: number;
  cpu_budget_cores: number;
  heaviest_gb_day: number;
  heaviest_cpu_cores: number;
  /** GB waiting at the end of each of the week's 168 hours. */
  backlog_gb: number[];
  /** GB each hour may carry (null: no cap). */
  capacity_gb: (number | null)[];
}

export interface CameraPlan {
  camera: string;
  site: string;
  recorded_bytes_per_hour: number;
  source: string;
  profile: string;
  ratio: number;
  ratio_source: string;
  stored_bytes_per_hour: number;
  retention_days: number;
}

export interface PlanCosts {
  region: string;
  prices: string;
  hours_watched: number;
  stored_tb: number;
  storage: number;
  requests: number;
  processing: number;
  transfer_out: number;
  total: number;
  kvs_ingest: number;
  kvs_storage: number;
  kvs_hls: number;
  kvs_transfer_out: number;
  kvs_total: number;
}

export interface DeploymentPlan {
  measured_from: string;
  prices: string;
  horizon_days: number;
  sites: SitePlan[];
  cameras: CameraPlan[];
  costs: PlanCosts;
}

export const WEEK_H = 168;
const MONDAY_UTC = Date.UTC(2026, 0, 5); // a Monday: weekday names in the user's language

/** Hour of the simulated week (0 = Monday 00:00) as "Sen 18.00" / "Mon 18:00". */
export function weekHour(hour: number): string {
  const day = new Intl.DateTimeFormat(locale(), { weekday: "short", timeZone: "UTC" }).format(
    MONDAY_UTC + Math.floor(hour / 24) * 86_400_000,
  );
  const time = new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" }).format(
    MONDAY_UTC + (hour % 24) * 3_600_000,
  );
  return `${day} ${time}`;
}

const gb = (value: number): string => formatNumber(value, 1);

/** One sentence: keeps up at which level, or cannot, with the numbers and why. */
export function siteVerdict(site: SitePlan): string {
  if (site.keeps_up) return t("plan.keepsUp", { level: site.level, profile: site.profile });
  const capacity = site.capacity_gb_day === null ? t("plan.noCap") : gb(site.capacity_gb_day);
  const base = t("plan.cannot", {
    recorded: gb(site.recorded_gb_day),
    capacity,
    sends: gb(site.upload_gb_day),
    growth: gb(site.growth_gb_day),
  });
  const why =
    site.limit === "cpu"
      ? t("plan.whyCpu", { budget: formatNumber(site.cpu_budget_cores, 2) })
      : t("plan.whyUplink", { heaviest: gb(site.heaviest_gb_day), cores: formatNumber(site.heaviest_cpu_cores, 2) });
  return `${base} ${why}`;
}

export interface WeekChart {
  /** One bar per hour: what the uplink may carry (no bar: no cap). */
  bars: { x: number; y: number; height: number }[];
  /** The y of what the site sends each hour, on the bars' scale. */
  sendsY: number;
  /** The backlog as SVG polyline points, on its own scale in the lower band. */
  backlog: string;
  maxRateGb: number;
  maxBacklogGb: number;
}

/** Geometry of a site's week: ``width`` px for 168 hours; the upper ``band`` px for the
 * hourly rates, the rest of ``height`` for the backlog. */
export function weekChart(site: SitePlan, width: number, height: number, band: number): WeekChart {
  const step = width / WEEK_H;
  const sends = site.upload_gb_day / 24;
  const maxRate = Math.max(sends, ...site.capacity_gb.map((c) => c ?? 0)) || 1;
  const scale = (gbHour: number): number => band - (gbHour / maxRate) * band;
  const bars = site.capacity_gb.flatMap((c, i) =>
    c === null ? [] : [{ x: i * step, y: scale(c), height: band - scale(c) }],
  );
  const maxBacklog = Math.max(...site.backlog_gb, 0);
  const low = height - band;
  const point = (value: number, i: number): string =>
    `${((i + 1) * step).toFixed(1)},${(height - (maxBacklog ? (value / maxBacklog) * low : 0)).toFixed(1)}`;
  const backlog = [`0,${height}`, ...site.backlog_gb.map(point)].join(" ");
  return { bars, sendsY: scale(sends), backlog, maxRateGb: maxRate, maxBacklogGb: maxBacklog };
}
