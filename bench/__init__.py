"""Benchmarks: speed targets live here, never as timing assertions in the test suite (see README.md)."""
