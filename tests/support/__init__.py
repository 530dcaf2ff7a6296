"""Test helpers shared across test packages: the Twilio stand-in (Prism + recording proxy),
network fault helpers and a polling helper. Nothing here is imported by the app."""
