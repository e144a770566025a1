// My Projects: keep each project's status dot (and the tab's title and favicon) live.
"use strict";
(function () {
  const list = document.getElementById("projects");
  if (!list) return;
  const WORDS = { up: "All up", grace: "Late", down: "Down" };
  const baseTitle = document.title.replace(/^\d+ down – /, "");

  function update(statuses) {
    let down = 0;
    for (const card of list.querySelectorAll("[data-project]")) {
      const state = statuses[card.dataset.project];
      if (!state) continue;
      const dot = card.querySelector("[data-status-dot]");
      dot.className = "status " + state.status + (state.started ? " started" : "");
      dot.querySelector("[data-status-word]").textContent = WORDS[state.status] || state.status;
      if (state.status === "down") down += 1;
    }
    hc.setStatus(down ? down + " down – " + baseTitle : baseTitle, down > 0);
  }

  hc.setStatus(null, list.querySelector(".status.down") !== null);
  hc.poll(() => hc.get(list.dataset.refreshUrl).then((r) => (r.ok ? r.json() : null)).then((s) => s && update(s)));
})();
