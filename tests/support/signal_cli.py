"""A UNIX socket server that records each JSON-RPC request line and answers as signal-cli would."""
import json
import socket
import threading


class FakeSignalCli:
    """`answer` is how a send goes ("success", "unregistered", "rate_limit", "other"); `challenge_answer`
    how a submitRateLimitChallenge goes ("success" or "refused")."""

    def __init__(self, path: str):
        self.requests, self.answer, self.challenge_answer = [], "success", "success"
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data)
                self.requests.append(request)
                # signal-cli may first tell about an incoming message: it must be skipped.
                conn.sendall(b'{"jsonrpc":"2.0","method":"receive","params":{}}\n')
                conn.sendall(json.dumps(self._reply(request)).encode() + b"\n")

    def _reply(self, request):
        request_id = request["id"]
        if request["method"] == "submitRateLimitChallenge":
            if self.challenge_answer == "success":
                return {"jsonrpc": "2.0", "result": {}, "id": request_id}
            return {"jsonrpc": "2.0", "error": {"code": -3, "message": "Invalid captcha given"}, "id": request_id}
        if self.answer == "success":
            return {"jsonrpc": "2.0", "result": {"timestamp": 1}, "id": request_id}
        result = {"unregistered": {"type": "UNREGISTERED_FAILURE"},
                  "rate_limit": {"type": "RATE_LIMIT_FAILURE", "token": "challenge-token"},
                  "other": {"type": "NETWORK_FAILURE"}}[self.answer]
        return {"jsonrpc": "2.0", "error": {"code": -1, "message": "Failed", "data": {"response": {"results": [result]}}}, "id": request_id}

    def stop(self):
        self.server.close()
