// The Alerting rules dialog (templates/checks/alerting_dialog.html) and the project's quiet
// windows form: a live preview of what will alert when, and (the dialog) an XHR save.
"use strict";
(function () {
  let serial = 0;
  function preview(form) {
    const out = form.querySelector("[data-alerting-preview]");
    const save = form.querySelector("button.primary");
    const mine = ++serial;
    hc.post(form.dataset.previewUrl, Object.fromEntries(new FormData(form)))
      .then((response) => response.text())
      .then((html) => {
        if (mine !== serial) return;
        out.innerHTML = html;  // our own escaped fragment
        const result = out.querySelector("[data-valid]");
        if (save) save.disabled = result && result.dataset.valid === "false";
      })
      .catch(() => {});
  }

  let timer = null;
  document.querySelectorAll("form[data-preview-url]").forEach((form) => {
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => preview(form), 250); });
    if (!form.closest("dialog")) preview(form);
  });

  const dialog = document.getElementById("alerting-dialog");
  if (!dialog) return;
  const form = document.getElementById("alerting-form");
  const error = form.querySelector("[data-alerting-error]");
  document.querySelectorAll("[data-alerting-open]").forEach((button) => {
    button.addEventListener("click", () => { error.hidden = true; preview(form); dialog.showModal(); });
  });
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.getAttribute("formmethod") === "dialog") return;
    event.preventDefault();
    hc.post(form.action, Object.fromEntries(new FormData(form))).then((response) => {
      if (response.ok) { location.reload(); return; }
      return response.text().then((text) => { error.textContent = text; error.hidden = false; });
    });
  });
})();
