"""National-scale synthetic data, the benchmark runner and the HTTP load test (see README.md)."""
