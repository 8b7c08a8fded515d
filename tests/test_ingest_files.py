"""Local files and folders: decoding, sniffing, limits, recursion and globs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, read_inputs

SEEDS = Path("/work/shared/seeds")
OPTIONS = IngestOptions()
FRENCH = "Le café de Noël à Paris était fermé, dit le garçon naïf. « Ça coûte cher », répond-il."
QUOTES = "He said “we will not back down” – and the minister’s office agreed… for now. Price: 5 €."


def read_one(path: Path, options: IngestOptions = OPTIONS) -> RawDocument | Failure:
    items = list(read_inputs([str(path)], options))
    assert len(items) == 1
    return items[0]


def document(path: Path) -> RawDocument:
    item = read_one(path)
    assert isinstance(item, RawDocument), item
    return item


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("latin-1", FRENCH),
        ("cp1252", QUOTES),
        ("cp1252", FRENCH + "\n\n" + QUOTES),
        ("utf-8-sig", FRENCH + "\n" + QUOTES),
        ("utf-16", FRENCH),
        ("utf-8", "Зеленский встретился с Трампом в Белом доме. " * 3),
        ("cp1251", "Зеленский встретился с Трампом в Белом доме, сообщили в офисе президента."),
    ],
)
def test_text_files_decode_right(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    doc = document(path)
    assert doc.kind == "text"
    assert doc.text == text
    assert doc.source == str(path.absolute())


def test_mixed_utf8_and_cp1252_decodes_each_part(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes("Zelenskyy’s “peace plan”".encode() + b" \x96 caf\xe9 " + "naïve".encode())
    assert document(path).text == "Zelenskyy’s “peace plan” – café naïve"


def test_declared_html_charset_wins(tmp_path: Path) -> None:
    html = f'<html><head><meta charset="windows-1252"><title>t</title></head><body><p>{QUOTES}</p></body></html>'
    path = tmp_path / "page.htm"
    path.write_bytes(html.encode("cp1252"))
    doc = document(path)
    assert doc.kind == "html" and doc.html == html


def test_html_by_extension_or_content_with_canonical_url(tmp_path: Path) -> None:
    page = (
        "<!DOCTYPE html><html><head><link rel='canonical' href='/news/story-1'>"
        "<meta property='og:url' content='https://other.example/x'></head><body><p>Body</p></body></html>"
    )
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    (tmp_path / "b.dump").write_text(page.replace("/news/story-1", "https://news.example/s/2"), encoding="utf-8")
    og_only = "<html><head><meta property='og:url' content='https://news.example/og'></head><body>x</body></html>"
    (tmp_path / "c.html").write_text(og_only, encoding="utf-8")
    (tmp_path / "d.txt").write_text("Plain text, with a <b> in it.\n\nSecond paragraph.", encoding="utf-8")
    a, b, c, d = (document(tmp_path / name) for name in ("a.html", "b.dump", "c.html", "d.txt"))
    assert (a.kind, a.url) == ("html", "https://other.example/x")  # a relative canonical needs a base URL
    assert (b.kind, b.url) == ("html", "https://news.example/s/2")
    assert (c.kind, c.url) == ("html", "https://news.example/og")
    assert (d.kind, d.html, d.text) == ("text", None, "Plain text, with a <b> in it.\n\nSecond paragraph.")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00article.txt", "zip archive"),
        (b"Just text until\x00\x00\x00 a NUL appears", "contains NUL bytes"),
    ],
)
def test_binary_file_is_a_failure(tmp_path: Path, data: bytes, kind: str) -> None:
    path = tmp_path / "looks.txt"
    path.write_bytes(data)
    assert read_one(path) == Failure(str(path.absolute()), f"binary file ({kind}), not text")


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  ", b"\xef\xbb\xbf\n\n"])
def test_empty_file_is_a_failure(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    assert read_one(path) == Failure(str(path.absolute()), "empty")


def test_oversize_file_refused_with_size_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 300)
    item = read_one(path, IngestOptions(max_bytes=1000))
    assert item == Failure(str(path.absolute()), "too large: 1500 bytes, limit is 1000 bytes")
    assert isinstance(read_one(path, IngestOptions(max_bytes=1500)), RawDocument)


def make_tree(root: Path) -> None:
    (root / "b" / "deep").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a.txt").write_text("first article", encoding="utf-8")
    (root / "b" / "c.txt").write_text("second article", encoding="utf-8")
    (root / "b" / "deep" / "d.html").write_text("<html><body><p>third</p></body></html>", encoding="utf-8")
    (root / "b" / ".secret.txt").write_text("hidden file", encoding="utf-8")
    (root / ".hidden" / "e.txt").write_text("hidden folder", encoding="utf-8")
    (root / "z.txt").write_bytes(b"")


def test_folder_is_read_recursively_in_order_skipping_hidden(tmp_path: Path) -> None:
    make_tree(tmp_path)
    items = list(read_inputs([str(tmp_path)], OPTIONS))
    rel = [os.path.relpath(item.source, tmp_path) for item in items]
    assert rel == ["a.txt", os.path.join("b", "c.txt"), os.path.join("b", "deep", "d.html"), "z.txt"]
    assert [type(item).__name__ for item in items] == ["RawDocument"] * 3 + ["Failure"]
    assert all(item.collection == str(tmp_path) for item in items if isinstance(item, RawDocument))


def test_glob_and_missing_inputs(tmp_path: Path) -> None:
    make_tree(tmp_path)
    items = list(read_inputs([str(tmp_path / "**" / "*.txt"), str(tmp_path / "nothing*.txt"), str(tmp_path / "gone")], OPTIONS))
    sources = [item.source for item in items]
    assert sources == [
        str(tmp_path / "a.txt"), str(tmp_path / "b" / "c.txt"), str(tmp_path / "z.txt"),
        str(tmp_path / "nothing*.txt"), str(tmp_path / "gone"),
    ]
    assert [getattr(item, "reason", None) for item in items[2:]] == [
        "empty", "no files match this pattern", "no such file or folder",
    ]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not present")
def test_seed_dumps_read_as_text(tmp_path: Path) -> None:
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, tmp_path / seed.name)
    items = list(read_inputs([str(tmp_path)], OPTIONS))
    assert len(items) == len(list(SEEDS.glob("*.txt"))) > 0
    for item, seed in zip(items, sorted(SEEDS.glob("*.txt")), strict=True):
        assert isinstance(item, RawDocument) and item.kind == "text"
        assert item.text == seed.read_text(encoding="utf-8")
