"""Benchmarks run by `python manage.py bench NAME` (figures for the README, never assertions in
the test suite)."""
