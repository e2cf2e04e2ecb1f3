// Hash routes: #/login, #/live, #/playback?camera=&start=&end=, #/export, #/status, #/plan?hours=, #/alerts.

export const ROUTES = ["login", "live", "playback", "export", "status", "plan", "alerts"] as const;
export type RouteName = (typeof ROUTES)[number];

export interface Route {
  name: RouteName;
  params: URLSearchParams;
}

export const DEFAULT_HASH = "#/live";

const isRouteName = (value: string): value is RouteName =>
  (ROUTES as readonly string[]).includes(value);

/** Parse a location hash; anything unknown is the default (live) route. */
export function parseHash(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const name = path.replace(/\/+$/, "");
  return {
    name: isRouteName(name) ? name : "live",
    params: new URLSearchParams(query),
  };
}

/** A route's hash; ":" stays readable in values (ISO times), everything else is escaped. */
export function buildHash(name: RouteName, params: Record<string, string> = {}): string {
  const query = Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value).replace(/%3A/gi, ":")}`)
    .join("&");
  return `#/${name}${query ? `?${query}` : ""}`;
}

/** Go to a route (fires hashchange). */
export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** Update the address bar without re-rendering (no hashchange event). */
export function replaceHash(hash: string): void {
  history.replaceState(history.state, "", `${location.pathname}${location.search}${hash}`);
}
