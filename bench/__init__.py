"""Benchmarks: run from the repository root as ``python -m bench.<name>``; each prints its
figures (README, "Performance")."""
