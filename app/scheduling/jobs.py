"""Importing this module registers every sweep with `app.scheduling.sweeps`."""
