"""Escalation chains as data: the policy format, its defaults and the pure step decisions."""
