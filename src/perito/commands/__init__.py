"""The logic of commands that do more than call the pipeline once."""
