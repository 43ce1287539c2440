"""perito: check phone acquisitions for traces of mercenary spyware."""

__version__ = "0.1.0"
