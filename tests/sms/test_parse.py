"""Lenient SMS reply parsing."""

from __future__ import annotations

import pytest

from app.sms import parse


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("37.2", (37.2, "C")),
        ("37,2", (37.2, "C")),
        ("99.1F", (99.1, "F")),
        ("99.1 f", (99.1, "F")),
        ("38", (38.0, "C")),
        ("100.4", (100.4, "F")),
        ("37.2C", (37.2, "C")),
        ("37.2°", (37.2, "C")),
        (" 38,9 ", (38.9, "C")),
        ("37.5 grados", (37.5, "C")),
        ("hot", None),
        ("", None),
        ("3.72", None),
        ("120", None),
        ("25", None),
        ("37.2.1", None),
    ],
)
def test_temperature(reply, expected):
    assert parse.temperature(reply) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("120/80", (120, 80)),
        ("120 / 80", (120, 80)),
        ("120 80", (120, 80)),
        ("95-60", (95, 60)),
        ("120 sobre 80", (120, 80)),
        ("80/120", None),
        ("120", None),
        ("999/80", None),
        ("high", None),
    ],
)
def test_blood_pressure(reply, expected):
    assert parse.blood_pressure(reply) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("si", True),
        ("sí", True),
        ("Sí.", True),
        ("s", True),
        ("y", True),
        ("no", False),
        ("NO!", False),
        ("n", False),
        ("maybe", None),
        ("", None),
    ],
)
def test_yes_no(reply, expected):
    assert parse.yes_no(reply) is expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("1 3", [1, 3]),
        ("1,3", [1, 3]),
        ("13", [1, 3]),
        ("2", [2]),
        ("5", None),
        ("one", None),
        ("", None),
    ],
)
def test_choices(reply, expected):
    assert parse.choices(reply, 4) == expected


@pytest.mark.parametrize(
    ("reply", "low", "high", "expected"),
    [
        ("80", 20, 250, 80),
        ("97%", 50, 100, 97),
        ("300", 20, 250, None),
        ("eighty", 20, 250, None),
    ],
)
def test_whole_number(reply, low, high, expected):
    assert parse.whole_number(reply, low, high) == expected


def test_skip_words():
    assert parse.is_skip("SKIP") and parse.is_skip("saltar") and not parse.is_skip("37")
