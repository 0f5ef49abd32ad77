"""Session recordings as asciicast v2 files (#19): the writer thread, the per-session recorder,
the listing on disk and the REST routes."""
