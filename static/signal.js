// The Signal form's "Send a test message": the number as typed, to /integrations/signal/verify/.
"use strict";
(function () {
  const button = document.getElementById("signal-test");
  if (!button) return;
  button.addEventListener("click", () => {
    const result = document.getElementById("signal-test-result");
    button.disabled = true;
    result.textContent = "Sending…";
    hc.post(button.dataset.url, { phone: document.getElementById("field-value").value })
      .then((response) => response.text())
      .then((text) => { result.textContent = text; })
      .catch(() => { result.textContent = "The test message could not be sent. Try again."; })
      .finally(() => { button.disabled = false; });
  });
})();
