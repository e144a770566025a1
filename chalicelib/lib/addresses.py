"""Addresses: who sent a request (API Gateway's peer and X-Forwarded-For), and what an email address looks like."""
import ipaddress
import re

# An address we send to or sign up with: one @, a dotted domain, none of the characters that break headers.
EMAIL_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]]+@([\w-]+\.)+[\w-]+$")


def remote_addr(forwarded_for: str | None, source_ip: str | None) -> str | None:
    """The client address: the first X-Forwarded-For entry (API Gateway adds it), else the peer."""
    if not forwarded_for:
        return source_ip
    first = forwarded_for.split(",")[0].strip()
    try:
        ipaddress.ip_address(first)
    except ValueError:
        # "1.2.3.4:5678" from some proxies: drop the port.
        host, _, port = first.rpartition(":")
        if port.isdigit() and re.match(r"^\d+\.\d+\.\d+\.\d+$", host):
            return host
    return first


def client_address(forwarded_for: str | None, source_ip: str | None) -> str | None:
    """The address a per-IP limit counts: API Gateway's sourceIp (its TCP peer, which a client
    cannot forge), and the first X-Forwarded-For hop only behind the local server (loopback peer)."""
    if source_ip and not _is_loopback(source_ip):
        return source_ip
    return remote_addr(forwarded_for, source_ip)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
