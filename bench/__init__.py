"""Benchmarks (not part of the served application)."""
