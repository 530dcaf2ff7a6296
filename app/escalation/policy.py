"""A centre's escalation policy (CONTRACT §3): for `urgent` and `emergency`, ordered steps of
`{notify: [...], wait_minutes}` and `repeat`, the number of extra runs of the whole chain.

Targets are staff ids, "on_call" (whoever is on call when the step runs), or a role group of the
centre ("clinicians", "nurses", "admins").
"""

from __future__ import annotations

ROLE_GROUPS = {"clinicians": "clinician", "nurses": "nurse", "admins": "admin"}
TARGET_WORDS = ("on_call", *ROLE_GROUPS)

# Action levels (docs/clinical-rules.md A1): URGENT re-pages if not acknowledged in 15 min and escalates at
# 30 min [DESIGN]; EMERGENCY pages at once and moves faster [DESIGN]. A centre without its own
# policy gets: on-call, then the centre's clinicians, then its admins (CONTRACT §3).
DEFAULT_URGENT_WAIT_MINUTES = 15
DEFAULT_EMERGENCY_WAIT_MINUTES = 5


def _chain(wait: int) -> dict:
    return {"steps": [{"notify": ["on_call"], "wait_minutes": wait},
                      {"notify": ["clinicians"], "wait_minutes": wait},
                      {"notify": ["admins"], "wait_minutes": wait}],
            "repeat": 1}


def default_policy() -> dict:
    return {"urgent": _chain(DEFAULT_URGENT_WAIT_MINUTES), "emergency": _chain(DEFAULT_EMERGENCY_WAIT_MINUTES)}
