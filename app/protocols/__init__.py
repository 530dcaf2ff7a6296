"""Monitoring protocols: the shipped defaults and how they reach the database."""
