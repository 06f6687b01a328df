"""`python -m porttrack_logs.templates [DIR]`: write the template files (default: the checkout's index_templates/)."""

from __future__ import annotations

import sys
from pathlib import Path

from ._build import export


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "index_templates"
    for path in export(target):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
