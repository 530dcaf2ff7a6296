"""Vigil's benchmark (issue 9): `make bench` runs bench/run_all.py. See bench/README.md."""
