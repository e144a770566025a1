// The log page: changing a kind filter reloads the rows without a page load.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("log-filters");
  if (!form) return;
  function reload() {
    const query = new URLSearchParams(new FormData(form)).toString();
    return hc.get(form.dataset.eventsUrl + "?" + query)
      .then((response) => response.json())
      .then((data) => {
        document.getElementById("log-rows").innerHTML = data.rows;
        const older = document.getElementById("older-link");
        older.hidden = !data.older;
        older.setAttribute("href", data.older || "");
        history.replaceState(null, "", form.getAttribute("action") + "?" + query);
        window.hcEvents.formatTimes();
      });
  }
  form.addEventListener("change", (event) => {
    if (event.target.type === "checkbox") reload().catch(() => form.submit());
  });
});
