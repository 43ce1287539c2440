"""The logic of perito's commands other than scans; `cli.py` parses and prints."""
