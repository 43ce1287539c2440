"""The logic of perito's commands; `cli.py` parses arguments and prints."""
