"""The logic of commands that do not fit in `cli.py` (which keeps parsing and console output)."""
