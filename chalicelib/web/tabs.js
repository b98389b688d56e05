// The portal's tabs (WAI-ARIA tabs pattern): which one is open, arrow keys, and
// what each tab does when shown (registered by the tab's own module).

import { $ } from "./dom.js";
import { state } from "./state.js";

export const TABS = ["profile", "emails", "sessions", "appointments", "data"];

// Tab name -> what to do each time it is shown (load its data, render).
const onShow = new Map();

export function registerTab(name, shown) {
  onShow.set(name, shown);
}

export function selectTab(name, moveFocus = true) {
  state.tab = name;
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (moveFocus) $(`tab-${name}`).focus();
  const shown = onShow.get(name);
  if (shown) shown();
}

export function wireTabs() {
  for (const tab of TABS) {
    $(`tab-${tab}`).addEventListener("click", () => selectTab(tab, false));
    $(`tab-${tab}`).addEventListener("keydown", (event) => {
      const index = TABS.indexOf(tab);
      const next = {
        ArrowRight: TABS[(index + 1) % TABS.length],
        ArrowLeft: TABS[(index - 1 + TABS.length) % TABS.length],
        Home: TABS[0],
        End: TABS[TABS.length - 1],
      }[event.key];
      if (next) {
        event.preventDefault();
        selectTab(next, true);
      }
    });
  }
}
