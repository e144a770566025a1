"""A software security key (ES256) answering WebAuthn options as a browser would, in the JSON
shape static/webauthn.js posts (base64url byte strings)."""
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

FLAGS = AuthenticatorData.FLAG


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class SoftKey:
    def __init__(self, origin: str = "http://localhost:8000"):
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def create(self, options: dict) -> dict:
        """The answer to navigator.credentials.create({publicKey: options["publicKey"]})."""
        public_key = options["publicKey"]
        client_data = self._client_data("webauthn.create", public_key["challenge"])
        cose_key = ES256.from_cryptography_key(self.private_key.public_key())
        credential = AttestedCredentialData.create(b"\0" * 16, self.credential_id, cose_key)
        auth_data = AuthenticatorData.create(self._rp_hash(public_key["rp"]["id"]), FLAGS.UP | FLAGS.AT, 0, credential)
        attestation = AttestationObject.create("none", auth_data, {})
        return self._answer({"clientDataJSON": b64(client_data), "attestationObject": b64(bytes(attestation))})

    def get(self, options: dict, challenge: str | None = None) -> dict:
        """The answer to navigator.credentials.get(...), signed over `challenge` if given."""
        public_key = options["publicKey"]
        client_data = self._client_data("webauthn.get", challenge or public_key["challenge"])
        self.counter += 1
        auth_data = AuthenticatorData.create(self._rp_hash(public_key["rpId"]), FLAGS.UP, self.counter)
        signed = bytes(auth_data) + hashlib.sha256(client_data).digest()
        signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        response = {"clientDataJSON": b64(client_data), "authenticatorData": b64(bytes(auth_data)), "signature": b64(signature)}
        return self._answer({**response, "userHandle": None})

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    @staticmethod
    def _rp_hash(rp_id: str) -> bytes:
        return hashlib.sha256(rp_id.encode()).digest()

    def _answer(self, response: dict) -> dict:
        raw_id = b64(self.credential_id)
        return {"id": raw_id, "rawId": raw_id, "type": "public-key", "response": response, "clientExtensionResults": {}}
