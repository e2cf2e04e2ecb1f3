// The evidence holds of a camera (admins only): each with its range in the site's
// time, who placed it and why, and "Release", which asks once more before it does.
import { h } from "../dom";
import { onLangChange, t } from "../i18n";
import { type HoldRow, holdRangeText } from "./hold-model";

/** What the list shows: not known yet, the rows, or why they could not be had. */
export type HoldListState = { kind: "loading" } | { kind: "rows"; rows: HoldRow[] } | { kind: "failed"; message: string };

export interface HoldList {
  readonly element: HTMLElement;
  /** Show this state in the zone `tz` (a confirmation asked is dropped). */
  set(state: HoldListState, tz: string): void;
  /** Release buttons off while a release is on its way. */
  setBusy(busy: boolean): void;
  destroy(): void;
}

function confirmRow(onYes: () => void, onNo: () => void): HTMLElement {
  const yes = h("button", { type: "button", class: "danger hold-confirm", i18n: "hold.confirmYes" });
  const no = h("button", { type: "button", class: "hold-cancel", i18n: "hold.cancel" });
  yes.addEventListener("click", onYes);
  no.addEventListener("click", onNo);
  return h("div", { class: "hold-ask", role: "alert" }, h("span", { i18n: "hold.confirm" }), yes, no);
}

interface ItemHooks {
  tz: string;
  busy: boolean;
  asking: boolean;
  ask(): void;
  release(): void;
  cancel(): void;
}

function holdItem(row: HoldRow, hooks: ItemHooks): HTMLLIElement {
  const item = h(
    "li",
    { class: "hold-item", "data-hold-id": row.id },
    h("span", { class: "hold-range" }, holdRangeText(row.start, row.end, hooks.tz)),
    h("span", { class: "hold-who" }, t("hold.by", { who: row.who })),
    h("q", { class: "hold-why" }, row.reason),
  );
  if (hooks.asking) {
    item.append(confirmRow(hooks.release, hooks.cancel));
    return item;
  }
  const release = h("button", { type: "button", class: "hold-release", i18n: "hold.release", disabled: hooks.busy });
  release.addEventListener("click", hooks.ask);
  item.append(release);
  return item;
}

/** `onRelease` gets a hold's id once its release is confirmed. */
export function createHoldList(onRelease: (id: string) => void): HoldList {
  let state: HoldListState = { kind: "loading" };
  let tz = "UTC";
  let asking: string | null = null;
  let busy = false;
  const title = h("h3", { i18n: "hold.listTitle" });
  const note = h("p", { class: "hint", id: "hold-list-note" });
  const list = h("ul", { id: "hold-list", class: "hold-list" });
  const element = h("div", { class: "hold-holds" }, title, note, list);

  function render(): void {
    const rows = state.kind === "rows" ? state.rows : [];
    const words = { loading: t("hold.loading"), failed: state.kind === "failed" ? state.message : "" };
    note.textContent = state.kind === "rows" ? (rows.length ? "" : t("hold.none")) : words[state.kind];
    note.hidden = !note.textContent;
    note.classList.toggle("error", state.kind === "failed");
    list.replaceChildren(
      ...rows.map((row) =>
        holdItem(row, {
          tz,
          busy,
          asking: asking === row.id,
          ask: () => void ((asking = row.id), render()),
          cancel: () => void ((asking = null), render()),
          release: () => void ((asking = null), render(), onRelease(row.id)),
        }),
      ),
    );
  }

  const offLang = onLangChange(render);
  render();
  return {
    element,
    set(next, zone) {
      state = next;
      tz = zone;
      asking = null;
      render();
    },
    setBusy(next) {
      busy = next;
      render();
    },
    destroy: offLang,
  };
}
