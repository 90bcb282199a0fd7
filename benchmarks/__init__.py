"""Benchmarks of the PR-news worker against provider-like local servers."""
