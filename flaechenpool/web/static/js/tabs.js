// Tabs after the WAI-ARIA pattern: arrow keys, Home and End move between tabs; one panel shows.

export function setupTabs(tablist, onChange) {
  const tabs = [...tablist.querySelectorAll("[role=tab]")];
  const select = (tab, focus = true) => {
    for (const t of tabs) {
      const active = t === tab;
      t.setAttribute("aria-selected", String(active));
      t.tabIndex = active ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !active;
    }
    if (focus) tab.focus();
    onChange(tab.id.replace("tab-", ""));
  };
  tablist.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) select(tab);
  });
  tablist.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length]);
  });
  return (name) => select(document.getElementById(`tab-${name}`), false);
}
