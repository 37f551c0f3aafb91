"""Synthetic, reproducible ticket histories for demos, tests and benchmarks."""
