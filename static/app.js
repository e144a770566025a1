// Shared dashboard helpers: CSRF-aware requests, adaptive polling, title and favicon.
"use strict";
window.hc = (function () {
  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // POST form fields (an object) as XHR; resolves to the Response.
  function post(url, fields) {
    const body = new URLSearchParams(fields || {});
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
    });
  }

  // GET with a 2 s timeout, as polls must not pile up.
  function get(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 2000);
    return fetch(url, {
      credentials: "same-origin",
      signal: controller.signal,
      headers: { "X-Requested-With": "XMLHttpRequest" },
    }).finally(() => clearTimeout(timer));
  }

  // Run fn every 60 s, and every 3 s for about a minute after the user was last
  // active on a visible tab: fast when watched, cheap when not.
  function poll(fn, runNow) {
    const BURST = 20, FAST = 3000, SLOW = 60000;
    let quota = BURST, running = false;
    function run() {
      if (running) return;
      running = true;
      Promise.resolve(fn()).catch(() => {}).finally(() => { running = false; });
    }
    function wake() { if (!document.hidden) quota = BURST; }
    document.addEventListener("visibilitychange", () => { if (document.hidden) quota = 0; else { quota = BURST; run(); } });
    document.addEventListener("mousemove", wake, { passive: true });
    document.addEventListener("keydown", wake, { passive: true });
    setInterval(run, SLOW);
    setInterval(() => { if (quota > 0) { quota -= 1; run(); } }, FAST);
    if (runNow) run();
  }

  // Keep the tab's title and favicon in step with the worst status.
  function setStatus(title, anyDown) {
    if (title) document.title = title;
    const icon = document.getElementById("favicon");
    if (icon) icon.href = anyDown ? icon.dataset.down : icon.dataset.up;
  }

  // The project switcher loads its list (an escaped HTML fragment) the first time it opens.
  document.addEventListener("toggle", (event) => {
    const menu = event.target;
    if (!menu.matches || !menu.matches("details[data-menu-url]") || !menu.open || menu.dataset.loaded) return;
    get(menu.dataset.menuUrl).then((response) => {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then((html) => {
      menu.querySelector(".project-menu-body").innerHTML = html;
      menu.dataset.loaded = "1";
    }).catch(() => { window.location.href = "/"; });
  }, true);

  // Copy buttons: <button data-copy="#id-of-element-with-the-text">.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    const text = source ? (source.value || source.textContent).trim() : "";
    navigator.clipboard.writeText(text).then(() => {
      const label = button.textContent;
      button.textContent = "Copied!";
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  });

  // Dialogs: <button data-open-dialog="id-of-a-dialog"> opens it as a modal; a button with
  // data-close-dialog inside it closes it (Escape does too, natively).
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog && !dialog.open) dialog.showModal();
      return;
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) closer.closest("dialog").close();
  });

  // Forms with data-confirm ask before submitting.
  document.addEventListener("submit", (event) => {
    const message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  return { csrfToken, post, get, poll, setStatus };
})();
