"""The one HTTP client of the integrations: timeouts, redirects, the private-address rule, errors.

It never retries; the delivery code retries the errors marked transient.
"""
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, ReadTimeoutError

from chalicelib import settings
from chalicelib.integrations.base import TransportError

OK = (200, 201, 202, 204)
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
# Alert endpoints answer briefly; reading more would only hold the worker.
MAX_RESPONSE_BYTES = 1024 * 1024
# Credentials meant for one host must not follow a redirect to another.
PER_HOST_HEADERS = {"authorization", "cookie"}
PRIVATE = "Connections to private IP addresses are not allowed"


def request(
    method: str, url: str, *, json=None, data=None, headers=None, ok=OK, explain=None
) -> requests.Response:
    """Send one request, following up to 3 redirects; TransportError unless the status is in `ok`.

    Kinds that read error responses pass `explain(response) -> TransportError`, or a wider `ok`.
    """
    deadline = time.monotonic() + settings.NOTIFY_TIMEOUT
    headers = dict(headers or {})
    hops = 0
    with _session() as session:
        while True:
            check_url(url)
            response = _send(session, method, url, json, data, headers, deadline)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECTS or not location:
                break
            hops += 1
            if hops > MAX_REDIRECTS:
                raise TransportError("Too many redirects")
            next_url = urljoin(url, location)
            if urlsplit(next_url).hostname != urlsplit(url).hostname:
                headers = {k: v for k, v in headers.items() if k.lower() not in PER_HOST_HEADERS}
            if _redirect_method(method, response.status_code) != method:
                # The new GET carries no body, so nothing may describe one.
                method, json, data = "GET", None, None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            url = next_url

    if response.status_code not in ok:
        raise explain(response) if explain else status_error(response.status_code)
    return response


def status_error(code: int, detail: str = "", disable: bool = False) -> TransportError:
    """The error for an unexpected status: transient for 5xx and 429; `detail` is the service's own message."""
    message = f"Received status code {code}" + (f' with a message: "{detail}"' if detail else "")
    return TransportError(message, transient=code >= 500 or code == 429, disable=disable)


def message_in(field: str):
    """An `explain` for services whose JSON error answer carries its message in `field`."""

    def explain(response: requests.Response) -> TransportError:
        try:
            detail = response.json().get(field) or ""
        except (ValueError, AttributeError):
            detail = ""
        return status_error(response.status_code, detail=str(detail))

    return explain


def check_url(url: str) -> None:
    """Refuse a URL (every hop's) that is not http(s) or, unless allowed, reaches a private address."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TransportError("Invalid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("Only http and https URLs are allowed")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        raise TransportError("Could not resolve host", transient=True) from None
    if not settings.INTEGRATIONS_ALLOW_PRIVATE_IPS and not all(map(is_public_address, addresses)):
        raise TransportError(PRIVATE)


def is_public_address(address: str) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 scope id is not part of the address
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def _redirect_method(method: str, status: int) -> str:
    """The method after a redirect: as browsers and curl, 303 and a POST's 301/302 become GET."""
    if status == 303 and method != "HEAD":
        return "GET"
    if status in (301, 302) and method == "POST":
        return "GET"
    return method


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment: every hop is checked here
    session.headers.clear()
    session.headers.update({"User-Agent": settings.SITE_NAME, "Accept": "*/*"})
    if not settings.INTEGRATIONS_ALLOW_PRIVATE_IPS:
        session.mount("http://", _PublicOnlyAdapter())
        session.mount("https://", _PublicOnlyAdapter())
    return session


def _send(session, method, url, json, data, headers, deadline) -> requests.Response:
    """One request and its whole body, within what is left of the attempt's time."""
    try:
        response = session.request(
            method, url, json=json, data=data, headers=headers,
            timeout=_remaining(deadline), allow_redirects=False, stream=True,
        )
        with response:
            chunks, size = [], 0
            for chunk in response.iter_content(16384):
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_RESPONSE_BYTES:
                    break
                _remaining(deadline)
            # The body was read by hand to bound its time and size; hand it to .content/.json().
            response._content = b"".join(chunks)
        return response
    except requests.RequestException as e:
        raise _error(e) from e


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timed_out()
    return left


def _timed_out() -> TransportError:
    return TransportError("Connection timed out", transient=True)


def _error(e: requests.RequestException) -> TransportError:
    """Our message for a requests failure, found from the causes it wraps."""
    causes = _causes(e)
    if isinstance(e, requests.Timeout) or any(isinstance(c, (TimeoutError, ReadTimeoutError)) for c in causes):
        return _timed_out()
    if any(isinstance(c, (NameResolutionError, socket.gaierror)) for c in causes):
        return TransportError("Could not resolve host", transient=True)
    if isinstance(e, requests.exceptions.SSLError):
        return TransportError("TLS handshake failed")
    if isinstance(e, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return TransportError("Connection failed", transient=True)
    return TransportError("HTTP request failed")


def _causes(e: BaseException) -> list[BaseException]:
    """The exception and everything it wraps: requests and urllib3 nest them in args and .reason."""
    seen, todo = [], [e]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return seen


class _PublicOnly:
    """Checks the address actually connected to, so DNS answering differently the second time cannot slip through."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not is_public_address(sock.getpeername()[0]):
            sock.close()
            raise TransportError(PRIVATE)
        return sock


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}
