from __future__ import annotations

import pytest

from app.notify.gsm import is_gsm7, sms_segments, to_gsm7, truncate_to_segments


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Temp 38.4 °C", "Temp 38.4 C"),
        ("Temp 38.4°C", "Temp 38.4 C"),
        ("101.1 °F", "101.1 F"),
        ("38.4 ℃", "38.4 C"),
        ("38.4ºC", "38.4 C"),  # ordinal indicator typed for a degree sign
        ("turn 90° now", "turn 90 deg now"),
        ("“Call” the ‘team’", "\"Call\" the 'team'"),
        ("now – or — later", "now - or - later"),
        ("wait…", "wait..."),
        ("São Paulo, Łódź, Ångström", "Sao Paulo, Lodz, Ångström"),
        ("café niño über à Ça", "café niño über à Ça"),  # GSM has these
        ("e\u0301", "é"),  # decomposed accent is recomposed, not dropped
        ("ﬁne", "fine"),
        ("½ dose × 2", "1/2 dose x 2"),
        ("a\u00a0b\tc", "a b c"),
        ("ok 👍🏽 ✅", "ok ? ?"),
        ("Привет", "??????"),
        ("ACK 4821 {a} [b] €5 ~x|y^", "ACK 4821 {a} [b] €5 ~x|y^"),
    ],
)
def test_it_folds_text_into_gsm7(raw: str, expected: str) -> None:
    assert to_gsm7(raw) == expected
    assert is_gsm7(to_gsm7(raw))


@pytest.mark.parametrize(
    ("text", "gsm"),
    [
        ("Plain text 123 @£$¥", True),
        ("{[~]}€", True),
        ("38 °C", False),
        ("“q”", False),
        ("", True),
    ],
)
def test_it_tells_gsm7_from_ucs2(text: str, gsm: bool) -> None:
    assert is_gsm7(text) is gsm


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters cost two septets
        ("€" * 81, 2),
        ("a" * 152 + "€" + "a" * 7, 2),  # 161 septets
        (
            "a" * 152 + "€" + "a" * 152,
            3,
        ),  # the escape pair is not split: € opens part 2
        ("é" * 160, 1),  # é is GSM-7
        ("ł" * 70, 1),  # UCS-2
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("a" * 159 + "°", 3),  # one non-GSM character turns 160 chars into 3 parts
        ("😀" * 35, 1),  # surrogate pairs: 2 UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_it_counts_segments(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


def test_it_leaves_text_that_fits_alone() -> None:
    text = "word " * 60  # 300 chars: 2 segments
    assert truncate_to_segments(text, 2) == text


@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_it_truncates_at_a_word_boundary(max_segments: int) -> None:
    text = " ".join(f"word{i}" for i in range(200))
    cut = truncate_to_segments(text, max_segments)
    assert sms_segments(cut) == max_segments  # fills the budget, does not overshoot it
    assert cut.endswith("..")
    assert text.startswith(cut[:-2])
    assert text[len(cut) - 2] == " "  # the cut fell between two words


def test_it_truncates_ucs2_text_to_its_smaller_budget() -> None:
    text = "Gorączka powyżej 38 stopni, proszę dzwonić. " * 10
    cut = truncate_to_segments(text, 2)
    assert sms_segments(cut) <= 2
    assert len(cut) <= 2 * 67
    assert cut.endswith("..") and "…" not in cut


def test_it_cuts_one_endless_word_anywhere() -> None:
    cut = truncate_to_segments("x" * 1000, 1)
    assert cut == "x" * 158 + ".."


def test_it_refuses_a_zero_segment_budget() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        truncate_to_segments("text", 0)
