"""Benchmarks (not tests): each prints its figures and a ratio to a reference run beside it."""
