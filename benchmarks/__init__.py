"""Benchmarks: scripts that measure and print tables (never asserted in tests)."""
