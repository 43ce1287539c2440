"""Android artifacts, one module each."""
