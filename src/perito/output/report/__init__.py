"""`report.html`: one self-contained page per scan, built from the saved results only.

The check writes it at the end of every run and `perito report OUTPUT_DIR` rebuilds it, through
the same `write_report`. Every value from evidence is escaped by Jinja2's autoescape; the page
loads nothing (a Content-Security-Policy forbids any request) and works offline.
"""

from __future__ import annotations

import functools
import gettext
import json
import secrets
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from perito import __version__

if TYPE_CHECKING:  # imported where used: the console's i18n and verdict need none of it
    import jinja2

    from perito.output.report.content import ReportContent
    from perito.output.timeline import Timeline

REPORT_NAME = "report.html"
REDACTED_NAME = "report-redacted.html"
CARD_LIMIT = 100  # detections shown in full; the others as one table row each


def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("perito.output.report", "templates"),
        autoescape=True, extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)


def _json_bytes(value: object) -> bytes:
    """Sorted-key JSON: orjson (UTF-8, compact), or the standard library for what orjson
    refuses (lone surrogates from hostile evidence, integers beyond 64 bits), in ASCII so
    that the page can be written as UTF-8."""
    import orjson

    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, sort_keys=True).encode("ascii")


def script_json(value: object) -> bytes:
    """`value` as JSON for a <script type="application/json"> element: sorted keys, and
    every `<` written `\\u003c` (as Jinja's `tojson` writes it), so that the text can never
    end its element or open a comment. The other characters `tojson` escapes (`>`, `&`,
    `'`) matter only in attributes; left as they are, they spare copying tens of megabytes
    of page data once more each."""
    data = _json_bytes(value)
    return data.replace(b"<", b"\\u003c") if b"<" in data else data


@functools.cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text("utf-8")


@functools.cache
def _template(t: gettext.NullTranslations) -> jinja2.Template:
    """The page's template, compiled once per catalogue (`translations` gives one per
    language), each in its own environment (overlays would share the installed gettext)."""
    environment = _environment()
    environment.install_gettext_translations(t, newstyle=True)  # type: ignore[attr-defined]
    return environment.get_template("report.html.j2")


def prepare(language: str) -> None:
    """Import, load and compile what writing a report in `language` needs, ahead of time
    (a check does it while its workers scan, so that the report costs less at the end)."""
    from perito.output.report import content, labels, saved  # noqa: F401
    from perito.output.report.i18n import translations

    _template(translations(language))
    for name in ("report.css", "report.js"):
        _asset(name)


def render(content: ReportContent, t: gettext.NullTranslations) -> list[bytes]:
    """The page as UTF-8, in pieces to write one after the other. Its embedded data (every
    timeline event: tens of megabytes) are orjson's bytes, put where the template leaves a
    one-off marker: they never pass through Jinja, Markup or a str of that size, nor are
    they copied into one bytes object with the rest of the page."""
    from perito.output.report import labels
    from perito.output.report.content import LEVELS, NEAR_NS

    marker = f"perito-data-{secrets.token_hex(16)}"
    js_text = labels.script_text(t)
    near_ms = NEAR_NS // 1_000_000
    page = _template(t).render(
        c=content, levels=LEVELS, version=__version__, css=_asset("report.css"),
        script=_asset("report.js"), level_names=labels.level_names(t),
        state_names=labels.state_names(t), kind_names=labels.kind_names(t),
        device_names=labels.device_names(t), data_marker=marker,
        near_ms=near_ms, card_limit=CARD_LIMIT)
    head, found, tail = page.partition(marker)
    if not found or marker in tail:
        raise RuntimeError("the report template lost its data marker")
    timeline = content.timeline
    table = timeline.events
    data = {"times": table.times, "labelOf": table.labels, "texts": table.texts,
            "artifactOf": table.artifacts, "labels": timeline.labels,
            "near": timeline.detections_ms, "nearMs": near_ms,
            "artifacts": timeline.artifacts, "text": js_text}
    return [head.encode("utf-8"), script_json(data), tail.encode("utf-8")]


def write_report(folder: Path, language: str, *, redact: bool = False,
                 timeline: Timeline | None = None) -> Path:
    """Build the report of the output folder `folder` and return its path.

    The redacted report is written beside the full one, as `report-redacted.html`. A check
    passes its `timeline`, whose events the full report then takes instead of reading
    `timeline.jsonl` back (the same events, so the same page as `perito report` builds).
    """
    from perito.output.report.content import build_content
    from perito.output.report.i18n import translations
    from perito.output.report.saved import load_saved

    t = translations(language)
    content = build_content(load_saved(folder), language, t, redact=redact, timeline=timeline)
    path = folder / (REDACTED_NAME if redact else REPORT_NAME)
    with path.open("wb") as page:
        page.writelines(render(content, t))
    return path


def write_reports(folder: Path, language: str, *, redact: bool = False,
                  timeline: Timeline | None = None) -> list[Path]:
    """`report.html`, and `report-redacted.html` too when `redact` is set."""
    written = [write_report(folder, language, timeline=timeline)]
    if redact:
        written.append(write_report(folder, language, redact=True))
    return written
