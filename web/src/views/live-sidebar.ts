// The live page's camera list: sites (with their zone) and their cameras, each
// with its state; the cameras on screen are marked, and a click shows one.
import type { Camera } from "../api";
import type { SiteGroup } from "../catalog";
import { h } from "../dom";
import { t } from "../i18n";
import { zoneAbbr } from "../time";

function cameraItem(camera: Camera, shown: ReadonlySet<string>, pick: (camera: string) => void): HTMLLIElement {
  const item = h(
    "button",
    {
      type: "button",
      class: shown.has(camera.id) ? "camera-item shown" : "camera-item",
      "data-camera-id": camera.id,
      title: t(`state.${camera.state}`),
    },
    h("span", { class: `dot ${camera.state}` }),
    camera.name,
  );
  item.addEventListener("click", () => pick(camera.id));
  return h("li", {}, item);
}

/** Fill `list` with the sites and their cameras. */
export function renderCameraList(
  list: HTMLElement,
  groups: readonly SiteGroup[],
  shown: ReadonlySet<string>,
  pick: (camera: string) => void,
): void {
  list.replaceChildren(
    ...groups.map((group) =>
      h(
        "details",
        { class: "site", open: true, "data-site": group.site.id },
        h("summary", {}, group.site.name, " ", h("small", {}, zoneAbbr(group.site.timezone))),
        h("ul", {}, ...group.cameras.map((camera) => cameraItem(camera, shown, pick))),
      ),
    ),
  );
}
