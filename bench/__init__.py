"""Benchmarks (run as modules, not collected as tests)."""
