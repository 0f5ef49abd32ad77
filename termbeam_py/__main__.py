"""`python -m termbeam_py` runs the command line."""

from termbeam_py.cli import main

main()
