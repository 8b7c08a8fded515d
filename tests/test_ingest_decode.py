"""Golden files for decoding: ``<name>.input`` bytes decode to the UTF-8 text in ``<name>.expected``."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.ingest.decode import binary_kind, charset_from_content_type, decode, looks_like_html

GOLDEN = Path(__file__).parent / "data" / "ingest" / "decode"
CASES = sorted(path.stem for path in GOLDEN.glob("*.input"))


def test_golden_cases_present() -> None:
    assert len(CASES) >= 10
    assert all((GOLDEN / f"{name}.expected").is_file() for name in CASES)


@pytest.mark.parametrize("name", CASES)
def test_decode_golden(name: str) -> None:
    data = (GOLDEN / f"{name}.input").read_bytes()
    expected = (GOLDEN / f"{name}.expected").read_bytes().decode("utf-8")
    assert binary_kind(data) is None
    assert decode(data) == expected


def test_transport_charset_wins_over_detection() -> None:
    data = "Noël à Paris".encode("cp1252")
    assert decode(data, "ISO-8859-1") == "Noël à Paris"  # read as Windows-1252, like browsers do
    assert decode("Ж".encode("koi8-r"), "koi8-r") == "Ж"
    assert decode(b"caf\xe9", "no-such-charset") == "café"
    assert charset_from_content_type('text/html; charset="UTF-8"') == "UTF-8"
    assert charset_from_content_type("text/html") is None


def test_looks_like_html() -> None:
    assert looks_like_html("\n<!-- saved --><!DOCTYPE html><html><body>x</body></html>")
    assert looks_like_html("<div><p>one</p><p>two</p><br></div>")
    assert not looks_like_html("Prices fell <5% in May, and rose > 3% in June.\n\nSecond paragraph.")
