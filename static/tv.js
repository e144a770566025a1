// /tv/: panels of checks for the read-only API keys in the URL fragment, refreshed every 5 s.
// #<key>=<Label>&<key2>=<Label2>&theme=dark
"use strict";
(function () {
  const root = document.getElementById("tv");
  const panels = document.getElementById("tv-panels");
  const template = document.getElementById("tv-panel");
  const ORDER = { down: 0, grace: 1, started: 2, up: 3, new: 4, paused: 5 };
  const WORDS = { down: "down", grace: "late", up: "up", new: "new", paused: "paused" };

  function sources() {
    const params = new URLSearchParams(location.hash.slice(1));
    document.body.classList.toggle("dark", params.get("theme") === "dark");
    const list = [];
    params.forEach((label, key) => { if (key !== "theme") list.push({ key, label: label || "Checks" }); });
    return list;
  }

  function panelFor(source, index) {
    let panel = panels.children[index];
    if (!panel) {
      panel = template.content.firstElementChild.cloneNode(true);
      panels.appendChild(panel);
    }
    panel.querySelector(".tv-label").textContent = source.label;
    return panel;
  }

  function show(panel, checks) {
    const list = panel.querySelector(".tv-checks");
    checks.sort((a, b) => (ORDER[a.status] - ORDER[b.status]) || a.name.localeCompare(b.name));
    list.replaceChildren(...checks.map((check) => {
      const item = document.createElement("li");
      item.className = "tv-check " + check.status + (check.started ? " started" : "");
      const name = document.createElement("span");
      name.className = "tv-name";
      name.textContent = check.name || check.slug || "unnamed";
      const word = document.createElement("span");
      word.className = "tv-status";
      word.textContent = WORDS[check.status] || check.status;
      item.append(name, word);
      return item;
    }));
    panel.classList.toggle("down", checks.some((c) => c.status === "down"));
    panel.querySelector(".tv-error").hidden = true;
  }

  function refresh() {
    const list = sources();
    document.getElementById("tv-help").hidden = list.length > 0;
    while (panels.children.length > list.length) panels.lastElementChild.remove();
    let anyDown = false;
    return Promise.all(list.map((source, index) => {
      const panel = panelFor(source, index);
      return fetch("/api/v3/checks/", { headers: { "X-Api-Key": source.key } })
        .then((response) => {
          if (!response.ok) throw new Error(response.status === 401 ? "The API key is not valid." : "Error " + response.status);
          return response.json();
        })
        .then((data) => {
          show(panel, data.checks);
          anyDown = anyDown || data.checks.some((c) => c.status === "down");
        })
        .catch((error) => {
          const message = panel.querySelector(".tv-error");
          message.textContent = error.message;
          message.hidden = false;
        });
    })).then(() => {
      hc.setStatus((anyDown ? "DOWN – " : "") + root.dataset.siteName, anyDown);
      document.getElementById("tv-updated").textContent = "Updated " + new Date().toLocaleTimeString();
    });
  }

  window.addEventListener("hashchange", refresh);
  refresh();
  setInterval(refresh, 5000);
})();
