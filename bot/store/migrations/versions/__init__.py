"""One module per schema revision, oldest first; written by hand from ``script.py.mako``."""
