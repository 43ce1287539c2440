"""Re-checking saved results against the current indicators, without the evidence.

`saved.py` opens a result folder as a `Source` whose "artifacts" replay saved records:
perito's `records/*.jsonl` come back as the very records the scan wrote, so matching,
heuristics and correlations run exactly as in a scan; the incumbent's `<slug>.json` files
come back as `IncumbentEntry` records whose observables are mapped from its fields
(`incumbent.py`).
"""
