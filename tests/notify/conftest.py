"""The Twilio stand-in fixtures come from tests.support.fixtures (loaded by the root conftest)."""
