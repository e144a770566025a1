"""The ping function as Lambda runs it: the event the HTTP API hands it, and what it costs a process.

- `http_api_event`: a request to /ping/... as the HTTP API's Lambda integration sends it with
  payload format 1.0, the format Chalice's `app(event, context)` reads (2.0 has no `resourcePath`
  or `multiValueQueryStringParameters`, so Chalice cannot route it).
- `measure_process`: a child Python that imports `ping_app` and answers pings, as one Lambda
  container does, reporting its resident memory (peak and after each step), its CPU per ping
  and the compiled modules it loaded from outside the standard library. `infra.build`'s
  PING_MEMORY_MB was chosen from these figures, `bench.cost_model` prints them, and
  tests/infra/test_ping_api.py checks that the ping path loads no compiled module (so arm64 can
  run a zip whose compiled wheels are x86_64) and fits its memory.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
REGION = "us-east-1"


def _route(path: str) -> tuple[str, dict]:
    """The HTTP API route a ping path matches (`/ping/{a}/{b}`) and its path parameters."""
    parts = path.strip("/").split("/")
    if parts[0] != "ping" or not 2 <= len(parts) <= 5 or not all(parts[1:]):
        raise ValueError(f"no ping route matches {path}")
    names = "abcd"[: len(parts) - 1]
    return "/ping/" + "/".join("{" + n + "}" for n in names), dict(zip(names, parts[1:]))


def http_api_event(method: str, url: str, body: bytes = b"", headers: dict | None = None,
                   source_ip: str = "203.0.113.7") -> dict:  # fmt: skip
    """`method url` (a path with its query, e.g. "/ping/<uuid>/fail?rid=...") as the HTTP API hands
    it to PingHandler: payload format 1.0, the `$default` stage, API Gateway's own headers added.

    The shape follows AWS's documentation of format 1.0 and events captured from HTTP APIs:
    `resource` and `requestContext.resourcePath` are the route's path with its parameters,
    `requestContext.resourceId` is the route key, and a body that is not UTF-8 text comes
    base64-encoded.
    """
    split = urlsplit(url)
    resource, parameters = _route(split.path)
    query = parse_qs(split.query, keep_blank_values=True)
    host = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    all_headers = {
        "Content-Length": str(len(body)), "Host": host, "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": "Root=1-00000000-000000000000000000000000", "X-Forwarded-For": source_ip,
        "X-Forwarded-Port": "443", "X-Forwarded-Proto": "https", "accept": "*/*", **(headers or {}),
    }  # fmt: skip
    try:
        text, encoded = (body.decode("utf-8") if body else None), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    return {
        "version": "1.0",
        "resource": resource,
        "path": split.path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "requestContext": {
            "accountId": ACCOUNT, "apiId": API_ID, "domainName": host, "domainPrefix": API_ID,
            "extendedRequestId": "Aa0Bb1Cc2Dd3Ee4=", "httpMethod": method,
            "identity": {
                "accessKey": None, "accountId": None, "caller": None, "cognitoAmr": None,
                "cognitoAuthenticationProvider": None, "cognitoAuthenticationType": None,
                "cognitoIdentityId": None, "cognitoIdentityPoolId": None, "principalOrgId": None,
                "sourceIp": source_ip, "user": None, "userAgent": all_headers["User-Agent"], "userArn": None,
            },
            "path": split.path, "protocol": "HTTP/1.1", "requestId": "Aa0Bb1Cc2Dd3Ee4=",
            "requestTime": "15/Jan/2026:12:00:00 +0000", "requestTimeEpoch": 1768478400000,
            "resourceId": f"ANY {resource}", "resourcePath": resource, "stage": "$default",
        },  # fmt: skip
        "pathParameters": parameters,
        "stageVariables": None,
        "body": text,
        "isBase64Encoded": encoded,
    }


# The child: nothing but the standard library before `import ping_app`, and the events read one
# line at a time, so that its memory is the ping function's own. VmHWM, not ru_maxrss: Linux
# carries ru_maxrss over from the parent through fork and exec.
_CHILD = r"""
import importlib.machinery, json, resource, sys, sysconfig, time

def memory_kb():
    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak, peak

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

out = {"start_kb": memory_kb()[0]}
cpu0, wall0 = cpu(), time.perf_counter()
import ping_app
out.update(import_cpu=cpu() - cpu0, import_wall=time.perf_counter() - wall0, import_kb=memory_kb()[0])
pings, statuses = [], {}
with open(sys.argv[1]) as events:
    for line in events:
        event = json.loads(line)
        cpu0, wall0 = cpu(), time.perf_counter()
        response = ping_app.app(event, None)
        pings.append([cpu() - cpu0, time.perf_counter() - wall0, memory_kb()[0]])
        statuses[response["statusCode"]] = statuses.get(response["statusCode"], 0) + 1
        del event, response
# The interpreter's own extension modules (lib-dynload) are the runtime's, built for its machine;
# a venv's "platstdlib" is its site-packages' parent, so only "stdlib" counts, and never a
# site-packages under it.
stdlib = sysconfig.get_paths()["stdlib"]
suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)

def wheel_built(path):
    return path.endswith(suffixes) and (not path.startswith(stdlib) or "-packages" in path)

out.update(
    pings=pings, statuses=statuses, peak_kb=memory_kb()[1],
    compiled=sorted(
        name + " " + module.__file__ for name, module in list(sys.modules.items())
        if wheel_built(getattr(module, "__file__", None) or "")
    ),
)
print(json.dumps(out))
"""


@dataclass
class ProcessFigures:
    """One child process: `import ping_app`, then the pings given, in order."""

    start_mb: float  # the interpreter alone
    import_mb: float  # after `import ping_app`
    peak_mb: float  # the high-water mark of the whole run
    import_cpu: float  # seconds
    import_wall: float
    pings: list[tuple[float, float, float]]  # per ping: CPU s, wall s, resident MB after it
    statuses: dict[int, int]
    compiled: list[str] = field(default_factory=list)  # "module /path/to/file.so" from outside the stdlib

    def after(self, n: int) -> float:
        """Resident MB after the n-th ping (1-based)."""
        return self.pings[n - 1][2]


def measure_process(events: list[dict], env: dict | None = None, cwd: Path | None = None,
                    python: str = sys.executable, timeout: float = 600) -> ProcessFigures:  # fmt: skip
    """Run the events through `ping_app.app` in a fresh child; `cwd` is where `ping_app` is
    imported from (the repository, or the deployment zip unpacked as Lambda does)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as file:
        for event in events:
            file.write(json.dumps(event) + "\n")
    try:
        result = subprocess.run(
            [python, "-c", _CHILD, file.name], cwd=cwd or ROOT, env={**os.environ, **(env or {})},
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    finally:
        os.unlink(file.name)
    if result.returncode != 0:
        raise RuntimeError(f"the ping process failed ({result.returncode}):\n{result.stderr[-3000:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return ProcessFigures(
        start_mb=out["start_kb"] / 1024, import_mb=out["import_kb"] / 1024, peak_mb=out["peak_kb"] / 1024,
        import_cpu=out["import_cpu"], import_wall=out["import_wall"],
        pings=[(c, w, kb / 1024) for c, w, kb in out["pings"]],
        statuses={int(k): v for k, v in out["statuses"].items()}, compiled=out["compiled"],
    )  # fmt: skip
