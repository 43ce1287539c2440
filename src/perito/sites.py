"""Registrable domains ("sites") from the bundled Public Suffix List; never downloads."""

from __future__ import annotations

import functools
import ipaddress

from perito.indicators.normalise import host_of_url
from perito.indicators.suffixes import bundled_rules


@functools.lru_cache(maxsize=16_384)
def site_of_host(host: str) -> str:
    """The registrable domain of a host (`a.b.example.co.uk` → `example.co.uk`).

    Remembered per host: a history's redirects come from and go to few hosts."""
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    # The rules the indicator loader has read already (publicsuffixlist's bundled copy).
    return bundled_rules().private_suffix(host) or host


def site_of_url(url: str) -> str:
    return site_of_host(host_of_url(url))
