"""Fast cross-site HTTP redirects in Safari history (network injection, ios.md §6)."""

from __future__ import annotations

from perito.artifacts.ios.safari_history import SafariVisit
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record
from perito.sites import site_of_url

_MAX_SECONDS = 1.0


@heuristic(SafariVisit, "safari-fast-redirect", Level.MEDIUM,
           "Network-injection attacks rewrite a plain-HTTP page load into an instant "
           "redirect to an exploit server; a person cannot cross sites in under a second.")
def fast_cross_site_redirect(record: Record) -> tuple[str, ...]:
    """A plain function, not a generator: it runs for every visit and finds almost nothing."""
    assert isinstance(record, SafariVisit)
    target = record.redirect_destination_url
    if not target or not record.url.lower().startswith("http://"):
        return ()
    start, end = record.visit_time.ns, record.redirect_destination_time.ns
    if start is None or end is None:
        return ()
    delta = abs(end - start) / 1e9  # clocks can put the destination first
    source_site, target_site = site_of_url(record.url), site_of_url(target)
    if source_site and target_site and source_site != target_site and delta < _MAX_SECONDS:
        return (f"Redirect from {record.url} to {target} ({target_site}) took "
                f"{delta:.3f} s",)
    return ()
