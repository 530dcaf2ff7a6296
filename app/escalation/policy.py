"""A centre's escalation policy: for `urgent` and `emergency`, ordered steps of
`{notify: [...], wait_minutes, channels?}` and `repeat`, the number of extra runs of the whole chain.
`channels` is ["sms"] (the default), ["call"] or ["sms", "call"]; the optional
`call_language` names the Twilio voice language calls speak (else the jurisdiction's).

Targets are staff ids, "on_call" (whoever is on call when the step runs), or a role group of the
centre ("clinicians", "nurses", "admins").
"""

from __future__ import annotations

from typing import Any

ROLE_GROUPS = {"clinicians": "clinician", "nurses": "nurse", "admins": "admin"}
TARGET_WORDS = ("on_call", *ROLE_GROUPS)

# Action levels (docs/clinical-rules.md A1): URGENT re-pages if not acknowledged in 15 min and escalates at
# 30 min [DESIGN]; EMERGENCY pages at once and moves faster [DESIGN]. A centre without its own
# policy gets: on-call, then the centre's clinicians, then its admins.
DEFAULT_URGENT_WAIT_MINUTES = 15
DEFAULT_EMERGENCY_WAIT_MINUTES = 5


CHANNELS = ("sms", "call")  # a step without `channels` texts only
SMS_AND_CALL = ["sms", "call"]


def _chain(wait: int, call_from_step: int) -> dict[str, Any]:
    steps = [
        {"notify": ["on_call"], "wait_minutes": wait},
        {"notify": ["clinicians"], "wait_minutes": wait},
        {"notify": ["admins"], "wait_minutes": wait},
    ]
    for step in steps[call_from_step:]:
        step["channels"] = list(SMS_AND_CALL)
    return {"steps": steps, "repeat": 1}


def default_policy() -> dict[str, Any]:
    # A text does not wake a sleeping nurse. An emergency calls and texts from step 1;
    # an urgent alert texts first and calls from step 2, once the text went unanswered.
    return {
        "urgent": _chain(DEFAULT_URGENT_WAIT_MINUTES, call_from_step=1),
        "emergency": _chain(DEFAULT_EMERGENCY_WAIT_MINUTES, call_from_step=0),
    }
