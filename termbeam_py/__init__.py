"""termbeam_py: your terminal in any browser, your phone first."""

__version__ = "0.1.0"
