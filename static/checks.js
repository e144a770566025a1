// The checks list: filters mirrored in the address, pause (click twice), the Add Check
// dialog, and live updates from /projects/<code>/checks/status/?since=<token>.
"use strict";
(function () {
  const page = document.getElementById("checks-page");
  if (!page) return;
  const WORDS = { new: "New", up: "Up", grace: "Late", down: "Down", paused: "Paused" };

  // "3 minutes ago", as chalicelib/web/formats.py words it.
  function ago(iso) {
    if (!iso) return "never";
    const seconds = Math.floor((Date.now() - Date.parse(iso)) / 1000);
    const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (const [unit, size] of units) {
      if (seconds >= size) {
        const n = Math.floor(seconds / size);
        return n + " " + unit + (n === 1 ? "" : "s") + " ago";
      }
    }
    return "just now";
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || seconds >= 72 * 3600) return "";
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  // Each check's name, slug, tags and schedule, by code (one block instead of row attributes).
  const dataBlock = document.getElementById("checks-data");
  const checks = dataBlock ? JSON.parse(dataBlock.textContent) : {};

  // Filters: tags (all selected), text, statuses (any selected); the server applied them on load.
  const filters = document.getElementById("filters");
  function applyFilters() {
    if (!filters) return;
    const data = new FormData(filters);
    const tags = data.getAll("tag"), statuses = data.getAll("status");
    const search = (data.get("search") || "").toLowerCase();
    let shown = 0;
    document.querySelectorAll("tr.check-row").forEach((row) => {
      const check = checks[row.dataset.code] || { name: "", slug: "", tags: "" };
      const rowTags = check.tags.split(" ");
      const text = (check.name + "\n" + check.slug + "\n" + row.dataset.code).toLowerCase();
      const rowStatuses = [row.dataset.status].concat(row.dataset.started === "true" ? ["started"] : []);
      const visible = tags.every((t) => rowTags.includes(t))
        && (!search || text.includes(search))
        && (!statuses.length || statuses.some((s) => rowStatuses.includes(s)));
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    const none = document.getElementById("no-matches");
    if (none) none.hidden = shown > 0;
    const query = new URLSearchParams();
    tags.forEach((t) => query.append("tag", t));
    if (search) query.set("search", data.get("search"));
    statuses.forEach((s) => query.append("status", s));
    history.replaceState(null, "", location.pathname + (query.toString() ? "?" + query : ""));
  }
  if (filters) {
    document.getElementById("apply-filters").hidden = true;
    filters.addEventListener("input", (event) => {
      if (event.target.name !== "sort") applyFilters();
    });
    filters.addEventListener("change", (event) => { if (event.target.name === "sort") filters.submit(); });
    filters.addEventListener("submit", (event) => {
      if (event.submitter && event.submitter.id === "apply-filters") return;
      event.preventDefault();
      applyFilters();
    });
  }

  // Pause: the first click asks, the second pauses (XHR), no reload.
  document.querySelectorAll("form[data-pause]").forEach((form) => {
    const button = form.querySelector("button");
    let timer = null;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!button.dataset.armed) {
        button.dataset.armed = "1";
        button.textContent = "Confirm pause";
        button.classList.add("danger");
        timer = setTimeout(() => { delete button.dataset.armed; button.textContent = "Pause"; button.classList.remove("danger"); }, 4000);
        return;
      }
      clearTimeout(timer);
      hc.post(form.action, {}).then((response) => {
        if (!response.ok) throw new Error(response.status);
        const row = form.closest("tr");
        updateRow(row, { status: "paused", started: false });
        form.hidden = true;
        applyFilters();
      }).catch(() => { button.textContent = "Could not pause"; });
    });
  });

  // Integrations: a click turns the cell's nth channel on or off for the row's check, through
  // the details page's route (XHR, no reload); #integrations-data holds the channel codes.
  const integrations = document.getElementById("integrations-data");
  const table = document.getElementById("checks-table");
  if (integrations && table) {
    const { url, codes } = JSON.parse(integrations.textContent);
    table.addEventListener("click", (event) => {
      const button = event.target.closest(".col-ch button");
      if (!button || button.getAttribute("aria-busy") === "true") return;
      const on = !button.classList.contains("on");
      const channel = codes[Array.prototype.indexOf.call(button.parentNode.children, button)];
      const target = url.replace("{check}", button.closest("tr").dataset.code).replace("{channel}", channel);
      button.setAttribute("aria-busy", "true");
      hc.post(target, { state: on ? "on" : "off" }).then((response) => {
        if (!response.ok) throw new Error(response.status);
        button.classList.toggle("on", on);
        button.classList.remove("failed");
        button.setAttribute("aria-label", button.getAttribute("aria-label").replace(/: (on|off)$/, on ? ": on" : ": off"));
      }).catch(() => {
        button.classList.add("failed");
      }).finally(() => button.removeAttribute("aria-busy"));
    });
  }

  // The Add Check dialog opens again after a form error (app.js opens it on a click).
  document.querySelectorAll("dialog[data-open]").forEach((dialog) => dialog.showModal());

  // Add Check: suggest a slug from the name until the slug is typed in.
  const name = document.getElementById("add-name"), slug = document.getElementById("add-slug");
  if (name && slug) {
    let typed = slug.value !== "";
    slug.addEventListener("input", () => { typed = slug.value !== ""; });
    name.addEventListener("input", () => {
      if (typed) return;
      slug.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^\w\s-]/g, "").trim().replace(/[-\s]+/g, "-");
    });
  }

  function updateRow(row, detail) {
    if (!row) return;
    const icon = row.querySelector("[data-status-icon]");
    const started = Boolean(detail.started);
    row.dataset.status = detail.status;
    row.dataset.started = started ? "true" : "false";
    icon.className = "status " + detail.status + (started ? " started" : "");
    icon.querySelector("[data-status-word]").textContent = WORDS[detail.status] + (started ? ", running" : "");
    const pause = row.querySelector("form[data-pause]");
    if (pause) pause.hidden = detail.status === "paused";
    if ("last_ping" in detail) {
      const time = row.querySelector("[data-last-ping] time");
      if (detail.last_ping) time.setAttribute("datetime", detail.last_ping); else time.removeAttribute("datetime");
      time.textContent = ago(detail.last_ping);
      const cell = row.querySelector("[data-duration]");
      if (cell) cell.textContent = duration(detail.last_duration);
      row.querySelector("[data-confirmation]").hidden = !detail.confirmation;
    }
  }

  function refreshTimes() {
    document.querySelectorAll("[data-last-ping] time").forEach((time) => {
      time.textContent = ago(time.getAttribute("datetime"));
    });
  }

  let token = page.dataset.token;
  function refresh() {
    return hc.get(page.dataset.statusUrl + "?since=" + encodeURIComponent(token))
      .then((response) => response.json())
      .then((data) => {
        token = data.token;
        refreshTimes();
        if (data.reload) document.getElementById("list-reload").hidden = false;
        if (!data.details.length) return;
        data.details.forEach((detail) => updateRow(document.getElementById("check-" + detail.code), detail));
        Object.entries(data.tags || {}).forEach(([tag, [status, tooltip]]) => {
          document.querySelectorAll(".tag-toggle").forEach((label) => {
            if (label.dataset.tag !== tag) return;
            label.className = "tag-toggle tag " + status;
            label.title = tooltip;
          });
        });
        hc.setStatus(data.title, data.any_down);
        applyFilters();
      });
  }
  hc.setStatus(null, page.dataset.anyDown === "true");
  hc.poll(refresh, false);
})();
