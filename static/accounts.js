// Signup on the login page: send the browser's time zone, show the answer in place.
"use strict";
(function () {
  const form = document.getElementById("signup-form");
  if (!form) return;
  const tz = document.getElementById("signup-tz");
  try { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { tz.value = ""; }
  const result = document.getElementById("signup-result");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const fields = { identity: form.elements.identity.value, tz: tz.value };
    window.hc.post(form.action, fields)
      .then((response) => response.text().then((html) => {
        result.innerHTML = response.status === 429 ? "<p class=\"error\" role=\"alert\"></p>" : html;
        if (response.status === 429) result.firstChild.textContent = html;
      }))
      .catch(() => { result.textContent = "Could not reach the server. Please try again."; })
      .finally(() => { button.disabled = false; });
  });
})();
