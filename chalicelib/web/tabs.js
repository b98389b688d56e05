// The portal's tabs (WAI-ARIA tabs pattern) and the tab in the URL: "#/sessions". A
// click adds a history entry, so Back and Forward switch tabs; a reload or a deep
// link opens the tab it names (after sign-in, if needed). Each tab's module registers
// what to do when it is shown; a guard may keep the current tab (unsaved changes).

import { $ } from "./dom.js";
import { state } from "./state.js";

export const TABS = ["profile", "emails", "sessions", "appointments", "data"];

// Tab name -> what to do each time it is shown (load its data, render).
const onShow = new Map();
// (next tab) => boolean or Promise<boolean>: may the current tab be left?
const leaveGuards = [];
let onUserSwitch = () => {};

export function registerTab(name, shown) {
  onShow.set(name, shown);
}

export function addLeaveGuard(guard) {
  leaveGuards.push(guard);
}

/** Called when the person switches tab themselves (clears the previous message). */
export function onTabSwitch(fn) {
  onUserSwitch = fn;
}

/** The tab the URL names ("#/sessions"), or null. */
export function tabFromUrl() {
  const match = /^#\/([a-z]+)$/.exec(location.hash);
  return match && TABS.includes(match[1]) ? match[1] : null;
}

const urlOf = (name) => `${location.pathname}${location.search}#/${name}`;

/** The URL without a tab (after sign-out: the next person starts on Profil). */
export function forgetTabInUrl() {
  if (location.hash) history.replaceState(null, "", `${location.pathname}${location.search}`);
}

/**
 * Open a tab. how: "push" (the person chose it: a new history entry), "replace" (the
 * portal opens: the URL says where we are), "history" (Back/Forward already moved the URL).
 * Resolves false when a guard kept the current tab.
 */
export async function selectTab(name, moveFocus = true, how = "push") {
  if (state.screen === "portal" && name !== state.tab) {
    for (const guard of leaveGuards) {
      if (!(await guard(name))) {
        if (how === "history") history.pushState(null, "", urlOf(state.tab));
        $(`tab-${state.tab}`).focus();
        return false;
      }
    }
  }
  state.tab = name;
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (how === "push" && location.hash !== `#/${name}`) history.pushState(null, "", urlOf(name));
  if (how === "replace") history.replaceState(null, "", urlOf(name));
  if (moveFocus) $(`tab-${name}`).focus();
  const shown = onShow.get(name);
  if (shown) shown();
  return true;
}

export function wireTabs() {
  for (const tab of TABS) {
    $(`tab-${tab}`).addEventListener("click", () => {
      onUserSwitch();
      selectTab(tab, false);
    });
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
        onUserSwitch();
        selectTab(next, true);
      }
    });
  }
  window.addEventListener("popstate", () => {
    if (state.screen === "portal") selectTab(tabFromUrl() || "profile", false, "history");
  });
}
