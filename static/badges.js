// The badges page: show the chosen badge as soon as a choice changes (the form works without this).
"use strict";
(function () {
  const form = document.getElementById("badge-form");
  if (!form) return;
  const preview = document.getElementById("badge-preview");
  document.getElementById("badge-show").hidden = true;
  let serial = 0;
  function update() {
    const mine = ++serial;
    hc.post(location.pathname, Object.fromEntries(new FormData(form)))
      .then((response) => response.text())
      .then((html) => { if (mine === serial) preview.innerHTML = html; });  // our own escaped fragment
  }
  form.addEventListener("change", (event) => {
    // Picking a tag or a check means that target.
    if (event.target.name === "tag") form.querySelector("input[name=target][value=tag]").checked = true;
    if (event.target.name === "check") form.querySelector("input[name=target][value=check]").checked = true;
    update();
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); update(); });
})();
