"""ECS v1 against legacy in machine instructions per line, counted by valgrind: a measure a loaded machine does not move.

    python benchmarks/grok_vs_es_ir.py [LABEL ...] [--lines 500] [--self | --coercion]

The patterns and lines of `grok_vs_es.py` (all of them, or those whose labels are given). The parent
writes them to a temporary file; a child under `valgrind --tool=callgrind` compiles each pattern in
both modes, runs every function once over the lines (the interpreter specialises, displays are
learnt), then runs each once more between two calls of `os.getppid`, where callgrind dumps its
counts (`--dump-before=os_getppid`). Per pattern and mode: the regex alone (the engine's search
and its groups) and `Grok.match`, instructions per line, and legacy/v1 as a ratio of instructions.
A few minutes for all patterns; `--self` also lists, per pattern, the C functions whose own
instructions differ most between the two modes' `match`. `--coercion` counts instead ECS v1's
`match` with each way of writing its `:int` coercion (`grok_vs_es.coercion_variants`: today's
int(), a small-ints table in front of it, no coercion), for the patterns with such a capture.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODES = ("disabled", "v1")


def child(spec_file: str) -> None:
    """Under callgrind: the measured runs, each between two markers."""
    sys.path.insert(0, str(ROOT))
    from porttrack_logs.grok import Grok

    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    jobs = []
    if spec.get("coercion"):
        sys.path.insert(0, str(HERE))
        from grok_vs_es import coercion_variants, v1_matcher

        for label, pattern, lines in spec["patterns"]:
            jobs.append((label, "disabled", "match", Grok(pattern, ecs_compatibility="disabled").match, lines))
            for variant in coercion_variants():
                jobs.append((label, "v1", variant, v1_matcher(pattern, variant, lines), lines))
    for label, pattern, lines in [] if spec.get("coercion") else spec["patterns"]:
        for mode in MODES:
            grok = Grok(pattern, ecs_compatibility=mode)
            raw = grok.compiled.raw_search
            jobs.append((label, mode, "regex", lambda line, raw=raw: (m := raw(line)) is not None and m.groups(), lines))
            jobs.append((label, mode, "match", grok.match, lines))
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)  # as `porttrack-logs` runs
    for *_, run, lines in jobs:
        for line in lines:
            run(line)
    for *_, run, lines in jobs:
        os.getppid()
        for line in lines:
            run(line)
        os.getppid()


def _self_costs(path: Path) -> collections.Counter:
    """Instructions per C function (its own, callees excluded) in one uncompressed callgrind dump."""
    costs: collections.Counter = collections.Counter()
    fn, after_call = None, False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("fn="):
            fn = line[3:].strip()
        elif line.startswith("calls="):
            after_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if after_call:  # the cost line of a call: inclusive of the callee
                after_call = False
            elif fn is not None:
                parts = line.split()
                if len(parts) >= 2:
                    costs[fn] += int(parts[1])
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="*", help="pattern labels of grok_vs_es.py (default: all)")
    parser.add_argument("--lines", type=int, default=500, help="lines per pattern")
    parser.add_argument("--self", action="store_true", help="also the C functions whose cost differs most")
    parser.add_argument("--coercion", action="store_true", help="ECS v1's :int coercion variants instead")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on the PATH")
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(ROOT))
    from _timing import table
    from grok_vs_es import PATTERNS, coerced_patterns, coercion_variants, make_lines

    chosen = [p for p in PATTERNS if not args.labels or p[0] in args.labels]
    if args.coercion:
        chosen = coerced_patterns(chosen)
    if not chosen:
        raise SystemExit(f"no pattern labelled {args.labels}; labels: {', '.join(p[0] for p in PATTERNS)}")
    work = Path(tempfile.mkdtemp(prefix="grok_vs_es_ir-"))
    try:
        spec = {"patterns": [(label, pattern, make_lines(kind, args.lines, 7)) for label, kind, pattern in chosen],
                "coercion": args.coercion}
        (work / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        env = dict(os.environ, PYTHONHASHSEED="0")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-before=os_getppid", "--compress-strings=no", "--compress-pos=no",
             f"--callgrind-out-file={work / 'cg.out'}", sys.executable, str(Path(__file__).resolve()),
             "--child", str(work / "spec.json")],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        dumps = sorted(work.glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
        totals = [int(re.search(r"^summary: (\d+)", p.read_text(encoding="utf-8", errors="replace"), re.M).group(1))
                  for p in dumps]
        if args.coercion:
            variants = coercion_variants()
            rows = []
            for i, (label, _, lines) in enumerate(spec["patterns"]):
                # dump 1 is everything before the first marker; then each run, then the gap before the next
                first = 1 + 2 * i * (1 + len(variants))
                counts = [totals[first + 2 * j] / len(lines) for j in range(1 + len(variants))]
                rows.append((label, f"{counts[0]:,.0f}", *(
                    f"{c:,.0f} ({c / counts[0]:.3f}x, {c - counts[1]:+,.0f})" for c in counts[1:])))
            print(f"ECS v1's :int coercion, instructions per line (callgrind), {args.lines} lines a pattern; "
                  f"Python {sys.version.split()[0]}; each v1 cell: count (v1/legacy, against int())")
            print(table(("pattern", "legacy match", *(f"v1 {v}" for v in variants)), rows))
            return 0
        # dump 1 is everything before the first marker; then each run, then the gap before the next
        per_line: dict[tuple[str, str, str], float] = {}
        dump_of: dict[tuple[str, str, str], Path] = {}
        index = 1
        for label, _, lines in spec["patterns"]:
            for mode in MODES:
                for what in ("regex", "match"):
                    per_line[label, mode, what] = totals[index] / len(lines)
                    dump_of[label, mode, what] = dumps[index]
                    index += 2
        rows = []
        for label, _, _ in spec["patterns"]:
            get = lambda mode, what, label=label: per_line[label, mode, what]  # noqa: E731
            rows.append((
                label, f"{get('disabled', 'regex'):,.0f} / {get('v1', 'regex'):,.0f}",
                f"{get('disabled', 'match'):,.0f} / {get('v1', 'match'):,.0f}",
                f"{get('disabled', 'match') - get('disabled', 'regex'):,.0f} / {get('v1', 'match') - get('v1', 'regex'):,.0f}",
                f"{get('v1', 'match') / get('disabled', 'match'):.3f}x",
            ))
        print(f"instructions per line (callgrind), {args.lines} lines a pattern; Python {sys.version.split()[0]}")
        print(table(("pattern", "regex alone legacy / v1", "match legacy / v1", "build legacy / v1",
                     "legacy/v1 (instructions)"), rows))
        if args.self:
            for label, _, lines in spec["patterns"]:
                legacy = _self_costs(dump_of[label, "disabled", "match"])
                v1 = _self_costs(dump_of[label, "v1", "match"])
                n = len(lines)
                # JIT-compiled regex code has no symbol and another address per pattern: left out
                diff = sorted((k for k in set(legacy) | set(v1) if not k.startswith("0x")), key=lambda k: legacy[k] - v1[k])
                print(f"\n{label}: C functions, own instructions per line, legacy -> v1 (largest differences)")
                for name in diff[:15]:
                    print(f"  {legacy[name] / n:8.0f} -> {v1[name] / n:8.0f}  {name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
