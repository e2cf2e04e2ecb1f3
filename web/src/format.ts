// Locale-aware number, size and duration formatting for the current language.
import { locale, t, type MessageKey } from "./i18n";

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

export function formatNumber(value: number, maximumFractionDigits: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits }).format(value);
}

/** 1536 -> "1.5 KB" (binary multiples, one decimal below 10). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value, unit > 0 && value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** 0.995 -> "99.5%". */
export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(
    fraction,
  );
}

/** A duration as its two largest units: "1 h 5 min", "2 d 3 h", "45 s". */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const parts: [number, MessageKey][] = [
    [Math.floor(totalSeconds / 86_400), "dur.days"],
    [Math.floor(totalSeconds / 3600) % 24, "dur.hours"],
    [Math.floor(totalSeconds / 60) % 60, "dur.minutes"],
    [totalSeconds % 60, "dur.seconds"],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first < 0) return t("dur.seconds", { n: 0 });
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, key]) => t(key, { n: value }))
    .join(" ");
}
