// The Run time form on a check's page (templates/checks/_run_time.html): the preview sentence
// follows the fields as they change; invalid values say why and disable Save.
"use strict";
(function () {
  const form = document.getElementById("run-time-form");
  if (!form) return;
  const out = document.getElementById("run-time-preview");
  const save = document.getElementById("run-time-save");
  let serial = 0, timer = null;

  function preview() {
    const fields = Object.fromEntries(new FormData(form));
    const mine = ++serial;
    hc.post(form.dataset.preview, fields)
      .then((response) => response.json())
      .then((answer) => {
        if (mine !== serial) return;
        out.textContent = answer.text;
        out.dataset.valid = String(answer.valid);
        save.disabled = !answer.valid;
      })
      .catch(() => {});
  }

  function later() { clearTimeout(timer); timer = setTimeout(preview, 250); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
