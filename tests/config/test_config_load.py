"""Loading configurations from files, directories, globs and lists, as `logstash -f` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from porttrack_logs.config import config_files, load
from porttrack_logs.errors import ConfigError


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_directory_files_are_read_in_name_order(tmp_path: Path) -> None:
    """A directory means its files sorted by name; sections concatenate in that order."""
    write(tmp_path, "20-filter.conf", "filter { second {} }")
    write(tmp_path, "10-input.conf", "input { first {} }")
    write(tmp_path, "30-output.conf", "output { third {} }")
    tree = load(tmp_path)
    assert [s.body[0].name for s in tree.sections] == ["first", "second", "third"]


def test_each_node_keeps_its_own_file(tmp_path: Path) -> None:
    """Positions name the file each node came from, with lines counted per file."""
    a = write(tmp_path, "a.conf", "input { x1 {} }")
    b = write(tmp_path, "b.conf", "\n\nfilter { y1 {} }")
    tree = load(tmp_path)
    assert [str(s.position) for s in tree.sections] == [f"{a}:1:1", f"{b}:3:1"]


def test_error_names_the_file_it_is_in(tmp_path: Path) -> None:
    """A syntax error in the second file is reported at that file's line and column."""
    write(tmp_path, "a.conf", "input { x1 {} }")
    bad = write(tmp_path, "b.conf", "filter {\n  grok { match }\n}")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert (info.value.position.source, info.value.position.line) == (str(bad), 2)


def test_editor_backups_and_subdirectories_are_skipped(tmp_path: Path) -> None:
    """Files ending in ~ and subdirectories are not read, as Logstash skips them."""
    write(tmp_path, "a.conf", "input { x1 {} }")
    write(tmp_path, "a.conf~", "this is not a config")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "z.conf", "not read either")
    assert [p.name for p in config_files(tmp_path)] == ["a.conf"]


def test_glob_matches_sorted(tmp_path: Path) -> None:
    """A glob reads its matches sorted by name."""
    write(tmp_path, "b.conf", "filter { b1 {} }")
    write(tmp_path, "a.conf", "filter { a1 {} }")
    write(tmp_path, "c.txt", "not matched")
    tree = load(str(tmp_path / "*.conf"))
    assert [s.body[0].name for s in tree.sections] == ["a1", "b1"]


def test_list_of_paths_keeps_the_given_order(tmp_path: Path) -> None:
    """A list is read in the order given (each entry expanded on its own)."""
    b = write(tmp_path, "b.conf", "filter { b1 {} }")
    a = write(tmp_path, "a.conf", "filter { a1 {} }")
    tree = load([b, a])
    assert [s.body[0].name for s in tree.sections] == ["b1", "a1"]


def test_missing_path_is_a_config_error(tmp_path: Path) -> None:
    """A path that names nothing is a ConfigError naming it."""
    with pytest.raises(ConfigError, match="no configuration file found"):
        load(tmp_path / "nope.conf")


def test_empty_directory_is_a_config_error(tmp_path: Path) -> None:
    """A directory with no files is a ConfigError, as Logstash refuses it."""
    with pytest.raises(ConfigError, match="no configuration file found"):
        load(tmp_path)


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    """A file that is not UTF-8 is a ConfigError naming the file and the byte."""
    path = tmp_path / "latin1.conf"
    path.write_bytes('filter { p { a => "caf\xe9" } }'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(path)


def test_utf8_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    """A UTF-8 BOM at the start of a file does not break the first section."""
    path = tmp_path / "bom.conf"
    path.write_bytes(b"\xef\xbb\xbffilter { p1 {} }")
    assert load(path).sections[0].kind == "filter"


def test_support_escapes_applies_to_loaded_files(tmp_path: Path) -> None:
    """load(support_escapes=True) processes escapes like parse does."""
    path = write(tmp_path, "e.conf", r'filter { p { a => "x\ty" } }')
    assert load(path, support_escapes=True).sections[0].body[0].attributes[0].value.value == "x\ty"
