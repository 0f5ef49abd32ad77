"""The terminal client: `termbeam list` and `termbeam attach|resume` against a running server."""
