// The log page: changing a kind filter reloads the rows without a page load, and the newest
// events page takes new events as they come (the server answers only its stamp when none did).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("log-filters");
  if (!form) return;
  let stamp = form.dataset.stamp;
  function reload(live) {
    const query = new URLSearchParams(new FormData(form)).toString();
    const since = live ? "&u=" + encodeURIComponent(stamp) : "";
    return hc.get(form.dataset.eventsUrl + "?" + query + since)
      .then((response) => response.json())
      .then((data) => {
        stamp = data.stamp;
        if (data.rows === undefined) return; // nothing new
        document.getElementById("log-rows").innerHTML = data.rows;
        const older = document.getElementById("older-link");
        older.hidden = !data.older;
        older.setAttribute("href", data.older || "");
        if (!live) history.replaceState(null, "", form.getAttribute("action") + "?" + query);
        window.hcEvents.formatTimes();
      });
  }
  form.addEventListener("change", (event) => {
    if (event.target.type === "checkbox") reload(false).catch(() => form.submit());
  });
  if (form.dataset.live === "1") hc.poll(() => reload(true));
});
