"""Benchmarks: commands that print the figures of docs/benchmarks.md and docs/scale.md (`make bench`)."""
