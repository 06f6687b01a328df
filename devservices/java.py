"""Find a JDK of a required major version: an explicit home, JAVA_HOME, `java` on PATH, or /usr/lib/jvm."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from devservices.errors import ServiceError

_VERSION = re.compile(r'^JAVA_VERSION="(\d+)(?:[.\-+"]|$)', re.MULTILINE)


def major_version(home: Path) -> int | None:
    """Major Java version of the JDK at `home`, read from its `release` file; None if it is not a JDK."""
    try:
        match = _VERSION.search((home / "release").read_text())
    except OSError:
        return None
    if match is None or not (home / "bin" / "java").is_file():
        return None
    return int(match.group(1))


def _path_java_home() -> Path | None:
    java = shutil.which("java")
    return Path(os.path.realpath(java)).parent.parent if java else None


def find_java_home(minimum: int, *, explicit: Path | None, service: str, prefer_newest: bool) -> Path:
    """The JDK to run `service` with: `explicit` if given (must be >= minimum), else the first or newest found."""
    if explicit is not None:
        version = major_version(explicit)
        if version is None or version < minimum:
            raise ServiceError(
                f"{explicit} is not a Java {minimum}+ JDK (found version {version}); point the *_JAVA_HOME variable elsewhere",
                service=service,
            )
        return explicit
    candidates: list[Path] = [Path(os.environ["JAVA_HOME"])] if os.environ.get("JAVA_HOME") else []
    path_home = _path_java_home()
    if path_home is not None:
        candidates.append(path_home)
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        candidates.extend(sorted(p for p in jvm_root.iterdir() if p.is_dir() and not p.is_symlink()))
    found = [(major_version(c), c) for c in candidates]
    usable = [(v, c) for v, c in found if v is not None and v >= minimum]
    if not usable:
        seen = ", ".join(f"{c} ({v})" for v, c in found if v is not None) or "none"
        raise ServiceError(f"needs Java {minimum}+, found: {seen}; install one or set its *_JAVA_HOME", service=service)
    if prefer_newest:
        return max(usable, key=lambda item: item[0])[1]
    return usable[0][1]
