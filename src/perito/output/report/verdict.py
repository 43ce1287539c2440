"""The answer a scan gives, in words shared by the report and the console summary.

It never says "clean": indicators cover only what has been published, and only what was
checked.
"""

from __future__ import annotations

import enum
import gettext


class Verdict(enum.StrEnum):
    FOUND = "found"  # an indicator matched
    SERIOUS = "serious"  # a HIGH or CRITICAL finding, no indicator
    NOTHING = "nothing"


def verdict_of(matched: bool, serious: bool) -> Verdict:
    return Verdict.FOUND if matched else Verdict.SERIOUS if serious else Verdict.NOTHING


def headline(verdict: Verdict, t: gettext.NullTranslations) -> str:
    if verdict is Verdict.FOUND:
        return t.gettext("Known spyware indicators were found.")
    if verdict is Verdict.SERIOUS:
        return t.gettext("Serious signs were found that need an expert's review, although "
                         "no known indicator matched.")
    return t.gettext("No known indicator was found in what was checked.")


def advice(verdict: Verdict, t: gettext.NullTranslations) -> str:
    if verdict is Verdict.FOUND:
        return t.gettext("Treat the device as compromised until an expert has reviewed "
                         "these results.")
    if verdict is Verdict.SERIOUS:
        return t.gettext("Keep the device as it is and ask an expert to review these "
                         "results.")
    return t.gettext("This does not prove the device is free of spyware.")
