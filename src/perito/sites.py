"""Registrable domains ("sites") from the bundled Public Suffix List; never downloads."""

from __future__ import annotations

import functools
import ipaddress
import urllib.parse

from publicsuffixlist import PublicSuffixList


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the copy shipped inside the package


def host_of(url: str) -> str:
    """The lower-case host of a URL, or ""; userinfo and port are dropped."""
    text = url.strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urllib.parse.urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def site_of_host(host: str) -> str:
    """The registrable domain of a host (`a.b.example.co.uk` → `example.co.uk`)."""
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    return str(_psl().privatesuffix(host) or host)


def site_of_url(url: str) -> str:
    return site_of_host(host_of(url))
