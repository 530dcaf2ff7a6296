"""Vigil's benchmark: `make bench` runs bench/run_all.py. See bench/README.md."""
