"""OpenPanel analytics for PyScript pages and CPython backends."""

__version__ = "0.1.0"
