"""Load configuration from files: one file, a directory (its files sorted by name), a glob, or a list."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterable, Union

from ..errors import ConfigError
from ._parser import parse
from ._tree import PipelineConfig

__all__ = ["load", "config_files"]

PathLike = Union[str, os.PathLike]


def config_files(path_or_paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """The files Logstash would read for `-f`, in order: a directory means its files sorted by
    name (not recursive, editor backups ending in `~` skipped), a glob its matches sorted."""
    entries = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else list(path_or_paths)
    files: list[Path] = []
    for entry in entries:
        text = os.fspath(entry)
        path = Path(text)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir())
        elif path.is_file():
            found = [text]
        else:
            found = sorted(glob.glob(text))
        chosen = [Path(p) for p in found if os.path.isfile(p) and not p.endswith("~")]
        if not chosen:
            raise ConfigError(f"no configuration file found at {text!r}; give a file, a directory or a glob")
        files.extend(chosen)
    return files


def load(path_or_paths: PathLike | Iterable[PathLike], *, support_escapes: bool = False) -> PipelineConfig:
    """Parse every file in order and concatenate their sections; each node keeps its file:line:col."""
    sections = []
    sources = []
    for file in config_files(path_or_paths):
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{file}: not UTF-8 text (byte {exc.start}); save the configuration as UTF-8"
            ) from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
        tree = parse(text, str(file), support_escapes=support_escapes)
        sections.extend(tree.sections)
        sources.append(str(file))
    return PipelineConfig(tuple(sections), tuple(sources))
