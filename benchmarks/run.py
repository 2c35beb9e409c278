"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/RESULTS.md``.

Each benchmark module defines ``run(*, quick: bool = False) -> list[dict]`` returning rows with
the keys ``benchmark``, ``ours_s``, ``baseline``, ``baseline_s``, ``ratio`` (baseline time ÷ our
time: above 1 means salesorg is faster), ``goal``, ``met`` and ``note``. Every figure is a
ratio against a baseline measured in the same run, so the table means the same on any machine.

Usage: ``python -m benchmarks.run [--quick] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pkgutil
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ("benchmark", "ours_s", "baseline", "baseline_s", "ratio", "goal", "met", "note")


def _fmt(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "**no**"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return "" if v is None else str(v).replace("|", "\\|")


_MARK = "@@salesorg-bench-rows@@"


def _run_isolated(name: str, *, quick: bool) -> list[dict]:
    """Run one benchmark module in a fresh interpreter, so its memory figures are its own.

    (A process's peak RSS survives fork and exec on Linux: measured in this process, every
    later benchmark would report the peak of the largest one before it.)
    """
    code = (
        "import json, sys\n"
        f"from benchmarks.{name} import run\n"
        f"rows = run(quick={quick!r})\n"
        f"print({_MARK!r} + json.dumps(rows, default=str))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE.parent)]),
    }
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if not line.startswith(_MARK):
            print("   ", line, flush=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise RuntimeError(
            f"{name} exited with {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
        )
    payload = [ln for ln in proc.stdout.splitlines() if ln.startswith(_MARK)][-1]
    return json.loads(payload.removeprefix(_MARK))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small data, for a smoke run")
    ap.add_argument("--only", nargs="*", default=None, help="module names, e.g. bench_review")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    if args.only:
        names = [n for n in names if n in args.only or n.removeprefix("bench_") in args.only]
    rows: list[dict] = []
    failures: list[str] = []
    for name in names:
        t0 = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            got = _run_isolated(name, quick=args.quick)
        except Exception:
            failures.append(f"{name}: {traceback.format_exc().splitlines()[-1]}")
            traceback.print_exc()
            continue
        for r in got:
            print("   ", {k: r.get(k) for k in KEYS}, flush=True)
        rows.extend(got)
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}{' (quick mode: small data)' if args.quick else ''}. "
        "`ratio` = baseline time ÷ salesorg time (above 1: salesorg is faster). "
        "Regenerate with `make bench`.",
        "",
        "| " + " | ".join(KEYS) + " |",
        "|" + "---|" * len(KEYS),
    ]
    lines += ["| " + " | ".join(_fmt(r.get(k)) for k in KEYS) + " |" for r in rows]
    if failures:
        lines += ["", "## Failed", ""] + [f"- {f}" for f in failures]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
