// Security keys: turn the server's JSON options (base64url byte strings) into what
// navigator.credentials expects, run the ceremony, and submit the answer as base64url JSON.
"use strict";
(function () {
  const form = document.getElementById("webauthn-form");
  if (!form) return;
  const options = JSON.parse(document.getElementById("webauthn-options").textContent).publicKey;
  const status = document.getElementById("webauthn-status");

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    if (!buffer) return null;
    const raw = String.fromCharCode(...new Uint8Array(buffer));
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(descriptors) {
    return (descriptors || []).map((d) => Object.assign({}, d, { id: toBytes(d.id) }));
  }

  function ceremony() {
    if (form.dataset.ceremony === "create") {
      const publicKey = Object.assign({}, options, {
        challenge: toBytes(options.challenge),
        user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
        excludeCredentials: withBytes(options.excludeCredentials),
      });
      return navigator.credentials.create({ publicKey }).then((credential) => answer(credential, {
        clientDataJSON: toText(credential.response.clientDataJSON),
        attestationObject: toText(credential.response.attestationObject),
      }));
    }
    const publicKey = Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      allowCredentials: withBytes(options.allowCredentials),
    });
    return navigator.credentials.get({ publicKey }).then((credential) => answer(credential, {
      clientDataJSON: toText(credential.response.clientDataJSON),
      authenticatorData: toText(credential.response.authenticatorData),
      signature: toText(credential.response.signature),
      userHandle: toText(credential.response.userHandle),
    }));
  }

  function answer(credential, response) {
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
  }

  form.addEventListener("submit", (event) => {
    if (form.elements.response.value) return;  // the answer is in: send it
    event.preventDefault();
    if (!window.PublicKeyCredential) {
      status.textContent = "This browser does not support security keys.";
      return;
    }
    status.textContent = "Touch your security key…";
    ceremony()
      .then((result) => {
        form.elements.response.value = JSON.stringify(result);
        form.requestSubmit ? form.requestSubmit() : form.submit();
      })
      .catch(() => { status.textContent = "The security key did not answer. Please try again."; });
  });
})();
