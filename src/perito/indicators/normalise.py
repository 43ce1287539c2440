"""Per-kind normalisation, applied identically to indicator values and to observed values.

Every function here is total on strings: hostile or malformed input yields a best-effort form
(or "" where there is nothing to compare), never an exception, so matching cannot die on one
bad record. The loader adds its own validation on top (`is_hostname`, `ip`).
"""

from __future__ import annotations

import encodings.idna
import ipaddress
import posixpath
import re
import urllib.parse

from perito.records import Kind

_HOST_CHARS = re.compile(r"[a-z0-9_](?:[a-z0-9_.\-]*[a-z0-9_])?")
_IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*)://")
_OPAQUE_SCHEME = re.compile(r"(mailto|tel|sms|smsto|data|javascript|about|blob):", re.IGNORECASE)
# WHATWG URL parsing treats "\" like "/" in these schemes; browsers do, so a host must too.
_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "file"})
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PLAIN_HOST = re.compile(r"[a-z0-9._\-]*")
_HEX = re.compile(r"[0-9a-f]+")
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""
# The common URL whose host needs no normalising: lower-case http(s), a host of lower-case
# ASCII letters, digits, dots and hyphens ending in a letter (so never an IP address, and
# never a WHATWG number unless its last label starts with "0x"), then the end or a path,
# query or fragment. No userinfo, port, escapes or spaces: those take the parser.
_SIMPLE_URL = re.compile(r"https?://([a-z0-9.\-]*[a-z])(?=[/?#\\]|\Z)")


def _idna_label(label: str) -> str:
    if label.isascii():
        return label.lower()
    try:
        return encodings.idna.ToASCII(label).decode("ascii").lower()
    except UnicodeError:
        return label.lower()


def domain(value: str) -> str:
    """Lower-case ASCII (IDNA) form of a hostname, without a trailing dot.

    IDNA uses the standard library codec (IDNA 2003 with nameprep); a label it rejects is kept
    lower-cased as written, so a bad value still compares equal to itself.
    """
    host = _strip_dots(value)
    if host.isascii():
        return host.lower()
    host = _strip_dots(host.translate(_IDNA_DOTS))
    # Nameprep can itself produce dots ("⒈" is "1."), hence the second strip.
    return _strip_dots(".".join(_idna_label(label) for label in host.split(".")))


def _strip_dots(text: str) -> str:
    """Without surrounding whitespace and trailing dots, however they interleave."""
    while True:
        stripped = text.strip().rstrip(".")
        if stripped == text:
            return text
        text = stripped


def is_hostname(host: str) -> bool:
    """Whether a normalised host is a syntactically valid DNS name (underscores allowed)."""
    return (len(host) <= 253 and _HOST_CHARS.fullmatch(host) is not None
            and ".." not in host and ".-" not in host and "-." not in host
            and (len(host) <= 63 or max(map(len, host.split("."))) <= 63))


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id is not None:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
    return address


def ip_literal(value: str) -> str | None:
    """The canonical text of an IP address, or None when the value is not one.

    Accepts a leading "/" (Android intrusion logs), "[v6]" brackets, a port after a v4
    address or a bracketed v6, an IPv6 zone id, and IPv4-mapped IPv6 (returned as IPv4).
    """
    text = value.strip().removeprefix("/")
    if not text or (":" not in text and not (text[0].isdigit() and text[-1].isdigit())):
        return None  # cheap refusal: most values are names, and ipaddress refuses slowly
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    address = _ip_address(text)
    return None if address is None else address.compressed


def ip(value: str) -> str:
    """Canonical IP address or network ("192.0.2.0/24"); the stripped input if neither."""
    literal = ip_literal(value)
    if literal is not None:
        return literal
    try:
        network = ipaddress.ip_network(value.strip().removeprefix("/"), strict=False)
    except ValueError:
        return value.strip()
    if network.num_addresses == 1:
        return network.network_address.compressed
    return network.compressed


def _whatwg_ipv4(host: str) -> str | None:
    """Browser IPv4 forms (`3221225985`, `0xc0.0.2.1`, `0300.0.2.1`) as dotted quad."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not parts or len(parts) > 4:
        return None
    numbers: list[int] = []
    for part in parts:
        try:
            if part[:2] in ("0x", "0X"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part[1:], 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    total = numbers[-1]
    for position, number in enumerate(numbers[:-1]):
        total += number << (8 * (3 - position))
    return str(ipaddress.IPv4Address(total))


def _split_url(url: str) -> tuple[str, str, str] | None:
    """(scheme, authority, rest) of a hierarchical URL; None for opaque ones (mailto:…)."""
    text = url.strip()
    found = _SCHEME.match(text)
    if found:
        scheme = found.group(1).lower()
        remainder = text[found.end():]
    elif text.startswith("//"):
        scheme, remainder = "", text[2:]
    elif _OPAQUE_SCHEME.match(text):
        return None
    else:
        scheme, remainder = "", text
    stops = "/?#\\" if scheme in _SPECIAL_SCHEMES or not scheme else "/?#"
    end = next((i for i, char in enumerate(remainder) if char in stops), len(remainder))
    return scheme, remainder[:end], remainder[end:]


def _is_port(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _split_authority(authority: str) -> tuple[str, str]:
    """(host, port) of an authority, after dropping any userinfo (up to the LAST "@")."""
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end >= 0:
            port = hostport[end + 2:] if hostport[end + 1:end + 2] == ":" else ""
            return hostport[: end + 1], port if _is_port(port) else ""
    host, colon, port = hostport.rpartition(":")
    if colon and ":" not in host and (_is_port(port) or port == ""):
        return host, port
    return hostport, ""  # no port, or an unbracketed IPv6 address


def _host(raw_host: str) -> str:
    """Normalised host; characters no host may hold stay percent-encoded (so it is stable)."""
    normalised = domain(_unquote_all(raw_host))
    literal = ip_literal(normalised)
    if literal is not None:
        return literal
    if normalised and _ends_in_number(normalised):
        normalised = _whatwg_ipv4(normalised) or normalised
    if _PLAIN_HOST.fullmatch(normalised):
        return normalised
    return urllib.parse.quote(normalised, safe="-._~!$&'()*+,;=")


def host_of_url(url: str) -> str:
    """The normalised host (domain or IP text) a URL points to; "" when it has none.

    The scheme may be missing. Userinfo is dropped up to the last "@", so
    `https://trusted.example@evil.example/` gives `evil.example`; "\\" ends the authority as
    browsers do; ports, brackets and percent-escapes are removed.
    """
    simple = _SIMPLE_URL.match(url)
    if simple is not None and not simple.group(1).rpartition(".")[2].startswith("0x"):
        return simple.group(1)
    return parsed_host_of_url(url)


def parsed_host_of_url(url: str) -> str:
    """`host_of_url` through the whole parser (the fast path's reference)."""
    parts = _split_url(url)
    if parts is None:
        return ""
    host, _port = _split_authority(parts[1])
    return _host(host)


def _unquote_all(text: str) -> str:
    return urllib.parse.unquote(text) if "%" in text else text


def _ends_in_number(host: str) -> bool:
    """WHATWG's test for a host that must be parsed as an IPv4 address."""
    last = host.rsplit(".", 1)[-1]
    if last.isdigit():
        return True
    return last.startswith("0x") and all(char in "0123456789abcdef" for char in last[2:])


def _normalise_escapes(text: str) -> str:
    """Decode percent-escapes of unreserved characters; upper-case the hex of the others."""

    def fix(found: re.Match[str]) -> str:
        char = chr(int(found.group(1), 16))
        return char if char in _UNRESERVED else found.group(0).upper()

    return _PERCENT.sub(fix, text) if "%" in text else text


def url(value: str) -> str:
    """Normalised URL, for comparison (reference §4.3).

    Scheme and host lower-cased, IDNA host, default port and fragment dropped, unreserved
    percent-escapes decoded, empty path as "/". A URL without a scheme is read as http;
    opaque URLs (mailto:, tel:) are only stripped. The fragment is dropped because it never
    reaches the server: an indicator names a resource.
    """
    parts = _split_url(value)
    if parts is None:
        return value.strip()
    scheme, authority, rest = parts
    scheme = scheme or "http"
    userinfo, at, hostport = authority.rpartition("@")
    raw_host, port = _split_authority(hostport)
    host = _host(raw_host)
    if ":" in host and ip_literal(host) is not None:
        host = f"[{host}]"
    port = str(int(port)) if port else ""
    if port and _DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    if at:
        host = f"{userinfo}@{host}"
    rest = rest.split("#", 1)[0]
    if scheme in _SPECIAL_SCHEMES:
        rest = rest.replace("\\", "/")
    if not rest.startswith("/"):
        rest = "/" + rest
    return f"{scheme}://{host}{_normalise_escapes(rest)}".strip()


def url_without_trailing_slash(normalised: str) -> str:
    """A normalised URL with one trailing "/" removed from its path (query kept)."""
    path, question, query = normalised.partition("?")
    return f"{path.removesuffix('/')}{question}{query}"


def email(value: str) -> str:
    """Lower-cased address, without "mailto:", a "?query" or surrounding space."""
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = _unquote_all(text[7:]).split("?", 1)[0].strip()
    local, at, host = text.rpartition("@")
    if not at:
        return text.lower()
    return f"{local.lower()}@{domain(host)}"


def process(value: str) -> str:
    """Process names keep their case; only surrounding whitespace goes."""
    return value.strip()


def file_name(value: str) -> str:
    """File names keep their case; only surrounding whitespace goes."""
    return value.strip()


def file_path(value: str) -> str:
    """Canonical path: "//" and "/./" collapsed, iOS firmlinks resolved, "~/" as mobile home.

    `/var/…` becomes `/private/var/…`, `/tmp/…` `/private/var/tmp/…`, `/etc/…`
    `/private/etc/…`, `~/…` `/private/var/mobile/…`. A trailing "/" (a directory) is kept.
    Case is kept: paths are compared case-sensitively.
    """
    text = value.strip()
    if not text:
        return ""
    directory = text.endswith(("/", "/."))
    if text.startswith("~/"):
        text = "/private/var/mobile/" + text[2:]
    absolute = text.startswith("/")
    parts = [part for part in text.split("/") if part and part != "."]
    if absolute and parts:
        if parts[0] in ("var", "etc"):
            parts.insert(0, "private")
        elif parts[0] == "tmp":
            parts[0:1] = ["private", "var", "tmp"]
    joined = "/".join(parts)
    if absolute:
        joined = "/" + joined
    if directory and joined != "/":
        joined += "/"
    return joined


def basename(path: str) -> str:
    """Last component of a path, ignoring a trailing "/"."""
    return posixpath.basename(path.rstrip("/"))


def hex_digest(value: str) -> str:
    """Lower-case hex, without whitespace or the colons of the `A1:B2:…` certificate form."""
    return "".join(value.split()).replace(":", "").lower()


def is_hex(value: str) -> bool:
    """Whether a normalised digest is non-empty lower-case hex."""
    return bool(_HEX.fullmatch(value))


def app_id(value: str) -> str:
    """App ids (Android packages, iOS bundle ids) compare case-insensitively."""
    return value.strip().lower()


def profile_id(value: str) -> str:
    """Configuration-profile UUIDs compare upper-cased."""
    return value.strip().upper()


def android_property(value: str) -> str:
    """Property names are exact: only surrounding whitespace goes."""
    return value.strip()


def phone(value: str) -> str:
    """Digits with an optional leading "+"; separators and "tel:" removed."""
    text = value.strip()
    if text[:4].lower() == "tel:":
        text = text[4:]
    digits = "".join(char for char in text if char.isdigit())
    return ("+" + digits) if text.startswith("+") else digits


_BY_KIND = {
    Kind.URL: url,
    Kind.DOMAIN: domain,
    Kind.IP: ip,
    Kind.EMAIL: email,
    Kind.PHONE: phone,
    Kind.PROCESS: process,
    Kind.APP_ID: app_id,
    Kind.FILE_PATH: file_path,
    Kind.FILE_NAME: file_name,
    Kind.PROFILE_ID: profile_id,
    Kind.FILE_MD5: hex_digest,
    Kind.FILE_SHA1: hex_digest,
    Kind.FILE_SHA256: hex_digest,
    Kind.CERT_MD5: hex_digest,
    Kind.CERT_SHA1: hex_digest,
    Kind.CERT_SHA256: hex_digest,
    Kind.ANDROID_PROPERTY: android_property,
}


def normalise(kind: Kind, value: str) -> str:
    """The comparable form of a value of this kind."""
    return _BY_KIND[kind](value)


def strip_trailing_punctuation(link: str) -> str:
    """A link found in prose without the punctuation that ends the sentence around it.

    A closing bracket stays when the link itself opened one (`…/Foo_(bar)`).
    """
    text = link
    while text and text[-1] in _TRAILING_PUNCTUATION:
        closing = text[-1]
        opening = {")": "(", "]": "[", "}": "{"}.get(closing)
        if opening is not None and text.count(opening) >= text.count(closing):
            break
        text = text[:-1]
    return text


def extract_links(text: str) -> list[str]:
    """Every `http(s)://…` run of non-space characters in a text, raw (punctuation kept)."""
    return _LINK.findall(text)
