"""The clock: check-in schedules, the periodic sweeps and the APScheduler runner."""
