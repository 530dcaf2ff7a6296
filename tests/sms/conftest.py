from tests.paging.conftest import signed_post, tick, twilio_app  # noqa: F401 - shared Twilio fixtures
