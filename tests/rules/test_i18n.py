"""Patient instructions: Babel catalogs complete, compiled, current, and rendered per language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.rules import Assessment, InstructionContext, Level, render_instructions
from app.rules.instructions import TRANSLATIONS_DIR, normalize_language

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "es")
PHONE = "+1 555 0100"


def _po(lang: str) -> Catalog:
    with open(TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def _mo(lang: str) -> Catalog:
    with open(TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        return read_mo(f)


def _pot() -> Catalog:
    with open(TRANSLATIONS_DIR / "messages.pot", "rb") as f:
        return read_po(f)


def _strings(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message id or string as a tuple; plural forms come as tuples (.po) or lists (.mo)."""
    if isinstance(value, tuple | list):
        return tuple(value)
    return (value or "",)


def test_the_template_holds_every_string_marked_in_the_rules_package() -> None:
    marked = {msgid for _file, _line, msgid, _comments, _context in extract_from_dir(str(ROOT / "app" / "rules"))}
    in_pot = {m.id for m in _pot() if m.id}
    assert marked, "no marked strings found"
    assert marked <= in_pot, "run pybabel extract/update: messages.pot is stale"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_message_has_a_non_empty_translation(lang: str) -> None:
    catalog = _po(lang)
    for message in _pot():
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None, f"{lang}: missing {message.id!r}"
        assert not translated.fuzzy, f"{lang}: fuzzy {message.id!r}"
        assert all(s.strip() for s in _strings(translated.string)), f"{lang}: empty {message.id!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_matches_its_po_file(lang: str) -> None:
    po = {_strings(m.id): _strings(m.string) for m in _po(lang) if m.id}
    mo = {_strings(m.id): _strings(m.string) for m in _mo(lang) if m.id}
    assert mo == po, "run pybabel compile -d app/translations"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang: str) -> None:
    for message in _po(lang):
        if message.id and message.python_format:
            assert not message.check(_po(lang)), message.id


def _assessment(level: Level, recheck: int | None = None, masked: bool = False) -> Assessment:
    return Assessment(level=level, findings=(), ice_score=None, recheck_in_minutes=recheck, fever_may_be_masked=masked)


def _render(level: Level, lang: str = "en", **kwargs: object) -> str:
    ictx = InstructionContext(lang, PHONE, "Carvykti", "2 Nov 2026")
    return render_instructions(_assessment(level, **kwargs), ictx)  # type: ignore[arg-type]


def test_english_instructions_per_level() -> None:
    emergency = _render(Level.EMERGENCY)
    assert "Call emergency services (911/999/112) now." in emergency
    assert f"call your CAR T team at {PHONE}" in emergency
    assert emergency.endswith(f"I received CAR T cell therapy (Carvykti) on 2 Nov 2026. My CAR T team: {PHONE}.")
    assert _render(Level.URGENT) == (
        f"Call your CAR T team now at {PHONE}. Do not wait to see if it gets better. Do not drive yourself."
    )
    assert _render(Level.SAME_DAY).startswith("Your care team will call you today.")
    assert PHONE in _render(Level.SAME_DAY)
    assert _render(Level.ROUTINE) == f"Thank you. Keep doing your check-ins and call {PHONE} if anything changes."


def test_recheck_and_masking_sentences() -> None:
    text = _render(Level.ROUTINE, recheck=10, masked=True)
    assert "Please measure again in 10 minutes." in text
    assert "Fever medicine may hide a fever" in text
    assert "Please measure again in 1 minute." in _render(Level.ROUTINE, recheck=1)
    assert "measure again" not in _render(Level.ROUTINE)


def test_spanish_instructions() -> None:
    emergency = _render(Level.EMERGENCY, "es")
    assert "Llame ahora mismo a los servicios de emergencia (911/999/112)." in emergency
    assert f"Recibí terapia con células CAR T (Carvykti) el 2 Nov 2026. Mi equipo de CAR T: {PHONE}." in emergency
    urgent = _render(Level.URGENT, "es")
    assert urgent.startswith(f"Llame ahora mismo a su equipo de CAR T al {PHONE}.")
    assert "No maneje" in urgent
    assert "le llamará hoy" in _render(Level.SAME_DAY, "es")
    text = _render(Level.ROUTINE, "es", recheck=60, masked=True)
    assert "Vuelva a medir dentro de 60 minutos." in text
    assert "puede ocultar la fiebre" in text
    assert PHONE in text


@pytest.mark.parametrize(
    ("requested", "used"),
    [("es", "es"), ("es-MX", "es"), ("ES_us", "es"), ("en", "en"), ("fr", "en"), ("", "en"), ("../es", "en")],
)
def test_language_normalisation_falls_back_to_english(requested: str, used: str) -> None:
    assert normalize_language(requested) == used


def test_unknown_language_renders_english() -> None:
    assert _render(Level.URGENT, "xx") == _render(Level.URGENT, "en")
