// Check details and log pages: event times in the chosen zone, the details dialog
// (ping details, transfer), and on the details page the live status and events.
"use strict";
window.hcEvents = (function () {
  function zone() {
    const select = document.querySelector("[data-tz-switch]");
    return select ? select.value : "UTC";
  }

  // Re-render every <time data-dt> in the chosen zone, e.g. "Jan 15, 12:00:05".
  function formatTimes(root) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone(), month: "short", day: "2-digit", hour: "2-digit",
      minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
    (root || document).querySelectorAll("time[data-dt]").forEach((el) => {
      el.textContent = format.format(new Date(el.getAttribute("datetime")));
    });
  }

  // Load a server-rendered fragment (escaped by the server) into the dialog.
  function openDialog(url, hash) {
    const dialog = document.getElementById("event-dialog");
    if (!dialog) return;
    hc.get(url).then((response) => {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then((html) => {
      document.getElementById("event-dialog-body").innerHTML = html;
      if (!dialog.open) dialog.showModal();
      if (hash) history.replaceState(null, "", "#" + hash);
    }).catch(() => { window.location.href = url; });
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-dialog]");
    if (!link || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    openDialog(link.getAttribute("href"), link.dataset.dialog.startsWith("ping-") ? link.dataset.dialog : "");
  });

  document.addEventListener("DOMContentLoaded", () => {
    const select = document.querySelector("[data-tz-switch]");
    if (select) select.addEventListener("change", () => formatTimes());
    const dialog = document.getElementById("event-dialog");
    if (dialog) {
      dialog.addEventListener("close", () => {
        if (location.hash.startsWith("#ping-")) history.replaceState(null, "", location.pathname + location.search);
      });
    }
    const page = document.getElementById("check-details");
    if (!page) return;
    openFromHash(page);
    window.addEventListener("hashchange", () => openFromHash(page));
    const refresh = startLiveUpdates(page);
    const pingNow = document.getElementById("ping-now");
    if (pingNow) pingNow.addEventListener("click", () => sendPing(pingNow, refresh));
  });

  // "Ping now!": a POST to the check's ping URL (it allows any origin), then a status refresh.
  function sendPing(button, refresh) {
    const result = document.getElementById("ping-now-result");
    button.disabled = true;
    fetch(button.dataset.pingUrl, { method: "POST", credentials: "omit" })
      .then((response) => {
        if (!response.ok) throw new Error(response.status);
        result.textContent = "Pinged.";
        return refresh();
      })
      .catch(() => { result.textContent = "The ping did not go through."; })
      .finally(() => { button.disabled = false; });
  }

  // "#ping-<n>" in the address (links in alerts) opens that ping's details.
  function openFromHash(page) {
    const match = location.hash.match(/^#ping-(\d+)$/);
    if (match) openDialog(page.dataset.statusUrl.replace(/status\/$/, "pings/" + match[1] + "/"), "ping-" + match[1]);
  }

  // Poll the status (and the events when they changed); returns the refresh, to run it at once.
  function startLiveUpdates(page) {
    let updated = page.dataset.updated;
    const refresh = () => hc.get(page.dataset.statusUrl + "?u=" + encodeURIComponent(updated))
      .then((response) => response.json())
      .then((data) => {
        document.getElementById("status-block").innerHTML = data.status_text;
        hc.setStatus(data.title, data.status === "down");
        if (data.events !== undefined) {
          document.getElementById("events-body").innerHTML = data.events;
          document.getElementById("downtimes").innerHTML = data.downtimes;
          formatTimes();
        }
        updated = data.updated;
      });
    hc.poll(refresh, true);
    return refresh;
  }

  return { formatTimes, openDialog };
})();

// The check's dependency form: the sentence under the choice says what it means.
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-dependency-select]");
  const preview = document.querySelector("[data-dependency-preview]");
  if (!select || !preview) return;
  preview.textContent = select.selectedOptions[0].dataset.preview;
});
