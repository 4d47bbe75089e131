"""Reading copier.yml: the JSON cache that keeps `--help` fast never serves stale questions."""

from pathlib import Path

import pytest
from combinations import REPO

from fastapi_starter import questions
from fastapi_starter.errors import StarterError


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def names_and_defaults(copier_yml: Path) -> list[tuple[str, object]]:
    return [(q.name, q.default) for q in questions.load(copier_yml)]


def test_a_cached_read_equals_a_fresh_one(cache_home: Path) -> None:
    first = questions.load(REPO / "copier.yml")
    assert len(list((cache_home / "fastapi-starter").glob("copier-*.json"))) == 1
    assert questions.load(REPO / "copier.yml") == first


def test_an_edited_copier_yml_is_read_again(tmp_path: Path) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text("color:\n  type: str\n  default: red\n")
    assert names_and_defaults(copier_yml) == [("color", "red")]
    copier_yml.write_text("color:\n  type: str\n  default: blue\n")
    assert names_and_defaults(copier_yml) == [("color", "blue")]


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path, cache_home: Path) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text("color: red\n")
    questions.load(copier_yml)
    (entry,) = (cache_home / "fastapi-starter").glob("copier-*.json")
    entry.write_text('{"color": "half a fi')
    assert names_and_defaults(copier_yml) == [("color", "red")]


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text("color: red\n")
    assert names_and_defaults(copier_yml) == [("color", "red")]


def test_invalid_yaml_is_a_clear_error(tmp_path: Path) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text("color: [red\n")
    with pytest.raises(StarterError, match="Cannot read the template's questions"):
        questions.load(copier_yml)


def test_the_slug_folding_agrees_with_unicode_decomposition() -> None:
    import unicodedata

    (folding,) = [
        q.default for q in questions.load(REPO / "copier.yml") if q.name == "ascii_folding"
    ]
    folded = {char: plain for plain, accented in folding.items() for char in accented}
    for code in range(0xC0, 0x180):  # Latin-1 Supplement and Latin Extended-A
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        if char == char.lower() and decomposed and decomposed != char:
            assert folded.get(char) == decomposed.lower(), char
    # Letters without a decomposition are spelled as their languages spell them in ASCII.
    assert {folded[char] for char in "ßæœøłđþ"} == {"ss", "ae", "oe", "o", "l", "d", "th"}
