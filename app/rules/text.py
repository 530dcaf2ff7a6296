"""Number formatting for the one-line English summaries the care team reads."""

from __future__ import annotations


def num(value: float) -> str:
    """112 rather than 112.0; one decimal when the reading has one."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def temp(value_c: float) -> str:
    # Thermometers read to 0.1 °C, so always one decimal (38.0 °C, not 38 °C).
    return f"{value_c:.1f} °C"


def score(value: int) -> str:
    return f"{value}/4"


def percent(fraction: float) -> str:
    return f"{num(fraction * 100)}%"


def duration(minutes: float) -> str:
    whole = int(minutes)
    hours, mins = divmod(whole, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def join(items: list[str]) -> str:
    return ", ".join(items)
