"""Heuristics that need no indicators; importing a module registers its checks."""

from perito.analysis import safari_history  # noqa: F401
