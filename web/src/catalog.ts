// Cameras grouped by site, for the live sidebar and the playback camera select.
import { api, type Camera, type Site } from "./api";

export interface SiteGroup {
  site: Site;
  cameras: Camera[];
}

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name.localeCompare(b.name, undefined, { numeric: true });

/** Group cameras under their sites, both sorted by name; a camera of an unlisted site gets a group of its own. */
export function groupBySite(cameras: readonly Camera[], sites: readonly Site[]): SiteGroup[] {
  const groups = new Map<string, SiteGroup>(sites.map((site) => [site.id, { site, cameras: [] }]));
  for (const camera of cameras) {
    let group = groups.get(camera.site);
    if (!group) {
      group = { site: { id: camera.site, name: camera.site, timezone: camera.timezone }, cameras: [] };
      groups.set(camera.site, group);
    }
    group.cameras.push(camera);
  }
  return [...groups.values()]
    .filter((group) => group.cameras.length > 0)
    .sort((a, b) => byName(a.site, b.site))
    .map((group) => ({ site: group.site, cameras: [...group.cameras].sort(byName) }));
}

/** Fetch sites and cameras and group them. */
export async function loadCatalog(): Promise<SiteGroup[]> {
  const [sites, cameras] = await Promise.all([api.sites(), api.cameras()]);
  return groupBySite(cameras, sites);
}
