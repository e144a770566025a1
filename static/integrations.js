// The integrations page: the rename dialog, and the assigned-checks dialog loaded on demand.
"use strict";
(function () {
  const rename = document.getElementById("rename-dialog");
  const assign = document.getElementById("assign-dialog");
  if (!rename || !assign) return; // read-only members get neither

  document.addEventListener("click", (event) => {
    const renamer = event.target.closest("[data-rename]");
    if (renamer) {
      document.getElementById("rename-form").action = renamer.dataset.rename;
      const input = document.getElementById("rename-name");
      input.value = renamer.dataset.name;
      rename.showModal();
      input.focus();
      return;
    }
    const assigner = event.target.closest("[data-assign]");
    if (assigner) {
      const body = document.getElementById("assign-body");
      body.innerHTML = '<p class="muted">Loading…</p>';
      assign.showModal();
      hc.get(assigner.dataset.assign)
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => { body.innerHTML = html; })
        .catch(() => { body.innerHTML = '<p class="error">Could not load the checks. Try again.</p>'; });
      return;
    }
    const all = event.target.closest("[data-check-all]");
    if (all) {
      for (const box of assign.querySelectorAll(".check-choices input[type=checkbox]")) box.checked = all.dataset.checkAll === "1";
    }
  });
})();
