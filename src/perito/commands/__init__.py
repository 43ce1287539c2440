"""The logic behind commands that is not argument parsing or console output."""
