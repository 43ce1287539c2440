"""Property lists: XML, binary and NSKeyedArchiver, read defensively."""

from __future__ import annotations

import plistlib
from typing import Any


class PlistError(Exception):
    """The data is not a readable property list."""


def load_plist(data: bytes) -> Any:
    """Parse an XML or binary plist; any failure becomes PlistError."""
    try:
        return plistlib.loads(data)
    except Exception as error:  # plistlib raises many types on hostile input
        raise PlistError(f"unreadable property list ({type(error).__name__})") from error


def is_keyed_archive(value: Any) -> bool:
    return (isinstance(value, dict) and value.get("$archiver") == "NSKeyedArchiver"
            and isinstance(value.get("$objects"), list))


_MAX_DEPTH = 64


def unarchive(archive: dict[str, Any]) -> Any:
    """Resolve an NSKeyedArchiver plist into plain Python values.

    UIDs become the objects they point to; NSDictionary/NSArray/NSSet/NSData/NSString
    containers become dict/list/bytes/str. Other classes become a dict of their keys with
    `$class` set to the class name. Cycles and absurd depth resolve to None.
    """
    objects: list[Any] = archive["$objects"]
    top = archive.get("$top", {})
    root = top.get("root") if isinstance(top, dict) else None
    if root is None:
        raise PlistError("keyed archive without $top.root")
    return _resolve(objects, root, 0, frozenset())


def _class_name(objects: list[Any], value: dict[str, Any]) -> str:
    ref = value.get("$class")
    if isinstance(ref, plistlib.UID) and ref.data < len(objects):
        cls = objects[ref.data]
        if isinstance(cls, dict):
            names = cls.get("$classname")
            return str(names) if names else ""
    return ""


def _resolve(objects: list[Any], value: Any, depth: int, seen: frozenset[int]) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, plistlib.UID):
        index = value.data
        if index >= len(objects) or index in seen:
            return None
        target = objects[index]
        if target == "$null":
            return None
        return _resolve(objects, target, depth + 1, seen | {index})
    if isinstance(value, list):
        return [_resolve(objects, item, depth + 1, seen) for item in value]
    if not isinstance(value, dict):
        return value
    name = _class_name(objects, value)
    if "NS.keys" in value and "NS.objects" in value:
        keys = [_resolve(objects, k, depth + 1, seen) for k in value["NS.keys"]]
        items = [_resolve(objects, v, depth + 1, seen) for v in value["NS.objects"]]
        return {str(k): v for k, v in zip(keys, items, strict=False)}
    if "NS.objects" in value:
        return [_resolve(objects, v, depth + 1, seen) for v in value["NS.objects"]]
    if "NS.data" in value:
        data = value["NS.data"]
        return data if isinstance(data, bytes) else _resolve(objects, data, depth + 1, seen)
    if "NS.string" in value:
        return str(value["NS.string"])
    if "NS.time" in value and name in ("NSDate", ""):
        return value["NS.time"]
    out = {k: _resolve(objects, v, depth + 1, seen) for k, v in value.items() if k != "$class"}
    if name:
        out["$class"] = name
    return out


def load_any(data: bytes) -> Any:
    """Parse a plist and, when it is a keyed archive, resolve it."""
    value = load_plist(data)
    return unarchive(value) if is_keyed_archive(value) else value
