// Trello's add page: Trello returns here with #token=...; load the boards and lists for that token
// and keep the chosen list's board and list names in the form's hidden fields.
"use strict";
(function () {
  const lists = document.getElementById("trello-lists");
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!lists || !token) return;
  history.replaceState(null, "", location.pathname); // the token should not stay in the address bar
  document.getElementById("trello-token").value = token;
  document.getElementById("trello-connect").hidden = true;
  const csrf = document.querySelector("input[name=csrf_token]").value;
  const body = new URLSearchParams({ token: token, csrf_token: csrf });
  fetch(lists.dataset.settings, { method: "POST", body: body, headers: { "X-Requested-With": "XMLHttpRequest" } })
    .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
    .then((html) => {
      lists.innerHTML = html;
      const select = document.getElementById("trello-list-id");
      if (!select) return;
      const remember = () => {
        const option = select.selectedOptions[0];
        document.getElementById("trello-board").value = option ? option.dataset.board : "";
        document.getElementById("trello-list").value = option ? option.dataset.list : "";
      };
      select.addEventListener("change", remember);
      remember();
    })
    .catch(() => { lists.innerHTML = '<p class="error">Could not load your Trello boards. Authorize again.</p>'; });
})();
