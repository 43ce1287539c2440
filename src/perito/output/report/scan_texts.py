"""The texts a scan declares (artifact titles, timeline labels, heuristics' rationales), for
the catalogues.

They live in the artifact and analysis modules as plain declarations, not as gettext calls
(correlations give their rationale only with their findings, so theirs stay in English);
`extract` is a Babel extraction method (see `babel.cfg`) that lists them from the registries,
so `make messages` puts them in every `.po` file and the report shows them translated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any


def declared_texts() -> list[str]:
    """Every artifact title, timeline label and heuristic rationale, in a stable order."""
    import perito.analysis
    import perito.recheck.incumbent  # noqa: F401  (registers the saved-result records)
    from perito.artifacts import registry
    from perito.detections import HEURISTICS
    from perito.records import RECORD_TYPES, field_infos

    texts = [artifact.title for artifact in registry().values()]
    texts += [info.timeline for cls in RECORD_TYPES.values() for info in field_infos(cls)
              if info.timeline]
    texts += [rule.rationale for rules in HEURISTICS.values() for rule in rules]
    return sorted(dict.fromkeys(t for t in texts if t))


def extract(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: list[str],
            options: Mapping[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method: the declared texts, whatever the file it is given."""
    del fileobj, keywords, comment_tags, options  # Babel's calling convention
    for text in declared_texts():
        yield 0, "gettext", text, ["declared by an artifact or a heuristic"]
