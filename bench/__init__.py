"""Benchmarks: commands that print the figures quoted in the README (`make bench`, `make examples`)."""
