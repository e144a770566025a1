"""A real HTTP server on 127.0.0.1 that records each request and answers as a test sets per path."""
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Recorded:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering, for timeout tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping must not block teardown

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) breaks the pipe; that is expected


class Recorder:
    def __init__(self):
        self.requests: list[Recorded] = []
        self.recorded = threading.Condition()
        self.answers: dict[str, Answer] = {}
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.port = self.server.server_address[1]
        # A short poll interval keeps stop() (which waits for the next poll) quick.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def start(self) -> "Recorder":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def wait_for(self, path: str, count: int, timeout: float = 10.0) -> None:
        """Until `count` requests to this path are recorded: a client that timed out may have gone
        on before the server's thread, on a busy machine, read what it sent."""
        with self.recorded:
            self.recorded.wait_for(lambda: sum(urlsplit(r.path).path == path for r in self.requests) >= count, timeout)

    def respond(self, path: str, status: int = 200, headers: dict | None = None, body: bytes = b"", delay: float = 0.0):
        """How to answer requests to this path (query string ignored); 200 and no body by default."""
        self.answers[path] = Answer(status, headers or {}, body, delay)

    def respond_in_turn(self, path: str, *statuses: int):
        """Answer requests to this path with these statuses, one each, the last one repeated."""
        self.answers[path] = [Answer(status) for status in statuses]

    @property
    def last(self) -> Recorded:
        return self.requests[-1]


def _handler(recorder: Recorder):
    class Handler(BaseHTTPRequestHandler):
        def handle_one(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with recorder.recorded:
                recorder.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
                recorder.recorded.notify_all()
            answer = recorder.answers.get(urlsplit(self.path).path, Answer())
            if isinstance(answer, list):
                answer = answer.pop(0) if len(answer) > 1 else answer[0]
            if answer.delay:
                time.sleep(answer.delay)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_one

        def log_message(self, *args):
            pass

    return Handler


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, for connection-refused tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
