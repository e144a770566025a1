// The Change Schedule dialog (templates/checks/schedule_dialog.html) and the schedule fields
// of any form: kind tabs, a live preview of cron and OnCalendar expressions, XHR save.
"use strict";
(function () {
  // Show the chosen kind's fieldset; disabled fieldsets are not submitted.
  function showKind(container) {
    const checked = container.querySelector("input[name=kind]:checked");
    const kind = checked ? checked.value : "simple";
    container.querySelectorAll("fieldset[data-kind]").forEach((fieldset) => {
      const on = fieldset.dataset.kind === kind;
      fieldset.disabled = !on;
      fieldset.hidden = !on;
    });
    preview(container);
  }

  // Ask the server what the expression means; answers to older requests are dropped.
  let serial = 0;
  function preview(container) {
    const out = container.querySelector("[data-schedule-preview]");
    const field = container.querySelector("fieldset:not([disabled]) [data-preview]");
    const save = container.closest("form").querySelector("button.primary");
    if (!field) { out.innerHTML = ""; if (save) save.disabled = false; return; }
    const tz = container.querySelector("fieldset:not([disabled]) input[name=tz]");
    const mine = ++serial;
    hc.post(field.dataset.preview, { schedule: field.value, tz: tz ? tz.value : "UTC" })
      .then((response) => response.text())
      .then((html) => {
        if (mine !== serial) return;
        out.innerHTML = html;  // our own escaped fragment
        const result = out.querySelector("[data-valid]");
        if (save) save.disabled = result && result.dataset.valid === "false";
      })
      .catch(() => {});
  }

  function debounce(fn, ms) {
    let timer = null;
    return (arg) => { clearTimeout(timer); timer = setTimeout(() => fn(arg), ms); };
  }
  const later = debounce(preview, 250);

  document.querySelectorAll("[data-schedule-fields]").forEach((container) => {
    container.addEventListener("change", (event) => {
      if (event.target.name === "kind") showKind(container); else if (event.target.name === "tz") later(container);
    });
    container.addEventListener("input", (event) => {
      if (event.target.name === "schedule" || event.target.name === "tz") later(container);
    });
  });

  // Set a number + unit pair from seconds: the largest unit that divides it.
  function setDuration(form, name, seconds) {
    const unit = [86400, 3600, 60].find((u) => seconds % u === 0) || 60;
    form.querySelector("[name=" + name + "_value]").value = Math.round((seconds / unit) * 100) / 100;
    form.querySelector("[name=" + name + "_unit]").value = String(unit);
  }

  // A button's check: its data- attributes, or (the checks list) its entry in #checks-data.
  function valuesOf(button) {
    if (button.dataset.kind) return button.dataset;
    const code = button.dataset.scheduleCheck;
    const check = JSON.parse(document.getElementById("checks-data").textContent)[code];
    return Object.assign({}, check, { scheduleCheck: code, name: check.name || code });
  }

  const dialog = document.getElementById("schedule-dialog");
  if (!dialog) return;
  const form = document.getElementById("schedule-form");
  const error = form.querySelector("[data-schedule-error]");

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-schedule-check]");
    if (!button) return;
    const data = valuesOf(button);
    form.action = form.dataset.action.replace("{code}", data.scheduleCheck);
    form.querySelector("[data-check-name]").textContent = " – " + data.name;
    form.querySelector("input[name=kind][value=" + data.kind + "]").checked = true;
    setDuration(form, "timeout", Number(data.timeout));
    setDuration(form, "grace", Number(data.grace));
    if (data.kind !== "simple") {
      const fieldset = form.querySelector("fieldset[data-kind=" + data.kind + "]");
      fieldset.querySelector("[name=schedule]").value = data.schedule;
      fieldset.querySelector("[name=tz]").value = data.tz;
    }
    error.hidden = true;
    showKind(form.querySelector("[data-schedule-fields]"));
    dialog.showModal();
  });

  // Save by XHR so a mistake is shown in the dialog; success reloads the page.
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.getAttribute("formmethod") === "dialog") return;
    event.preventDefault();
    hc.post(form.action, Object.fromEntries(new FormData(form))).then((response) => {
      if (response.ok) { location.reload(); return; }
      return response.text().then((text) => { error.textContent = text; error.hidden = false; });
    });
  });
})();
