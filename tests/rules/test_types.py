"""Input value types."""

from __future__ import annotations

import pytest

from app.rules import IceParts, Neuro, fahrenheit_to_celsius

from .builders import ice


def test_ice_score_is_the_sum_of_its_parts() -> None:
    assert IceParts(orientation=4, naming=3, commands=1, writing=1, attention=1).score == 10
    assert IceParts(orientation=2, naming=1, commands=0, writing=1, attention=0).score == 4
    assert [ice(n).score for n in range(11)] == list(range(11))


@pytest.mark.parametrize(
    "parts",
    [
        {"orientation": 5, "naming": 3, "commands": 1, "writing": 1, "attention": 1},
        {"orientation": 4, "naming": -1, "commands": 1, "writing": 1, "attention": 1},
        {"orientation": 4, "naming": 3, "commands": 2, "writing": 1, "attention": 1},
        {"orientation": 4, "naming": 3, "commands": 1, "writing": True, "attention": 1},
        {"orientation": 4.0, "naming": 3, "commands": 1, "writing": 1, "attention": 1},
    ],
)
def test_ice_parts_outside_their_maxima_are_refused(parts: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ICE"):
        IceParts(**parts)  # type: ignore[arg-type]


def test_ice_unable_counts_as_zero_and_wins_over_parts() -> None:
    assert Neuro(ice_unable=True).ice_score == 0
    assert Neuro(ice=ice(10), ice_unable=True).ice_score == 0
    assert Neuro(ice=ice(8), ice_unable=False).ice_score == 8
    assert Neuro().ice_score is None


@pytest.mark.parametrize(("f", "c"), [(100.4, 38.0), (98.6, 37.0), (96.8, 36.0), (32.0, 0.0)])
def test_fahrenheit_to_celsius(f: float, c: float) -> None:
    assert fahrenheit_to_celsius(f) == pytest.approx(c)
