"""Encode unix times the way phones store them (the inverse of perito.timestamps)."""

from __future__ import annotations

COCOA_EPOCH = 978_307_200
WEBKIT_EPOCH = 11_644_473_600


def cocoa_s(unix: float) -> float:
    return unix - COCOA_EPOCH


def cocoa_ns(unix: float) -> int:
    return round((unix - COCOA_EPOCH) * 1_000_000_000)


def webkit_us(unix: float) -> int:
    return round((unix + WEBKIT_EPOCH) * 1_000_000)
