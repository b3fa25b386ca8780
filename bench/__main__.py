"""`python -m bench` (or `bench/run`): run every benchmark and print the budget table.

    python -m bench --size small            # 1k only, about a minute
    python -m bench --size medium --runs 7  # 1k and 100k
    python -m bench --size 1k,1m --only reads,scaling --json out.json

Exit 0 when every judged row passes, 1 when one fails (or could not be measured), 2 on
bad arguments.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import datasets, rows
from bench.report import Result, noise_notes, table, write_json
from bench.timing import CommandFailed

GROUPS = ("startup", "reads", "scaling", "export", "import", "tui", "basket")


def parse_sizes(text: str) -> tuple[str, ...]:
    """`small|medium|large` or a comma list of `1k,100k,1m` (presets may be mixed in)."""
    chosen: set[str] = set()
    for part in text.lower().split(","):
        part = part.strip()
        if part in datasets.PRESETS:
            chosen.update(datasets.PRESETS[part])
        elif part in datasets.SIZES:
            chosen.add(part)
        else:
            choices = ", ".join([*datasets.PRESETS, *datasets.SIZES])
            raise argparse.ArgumentTypeError(f"unknown size '{part}': use {choices}")
    return tuple(label for label in datasets.SIZES if label in chosen)


def parse_groups(text: str) -> set[str]:
    groups = {part.strip() for part in text.lower().split(",") if part.strip()}
    unknown = groups - set(GROUPS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown row(s) {', '.join(sorted(unknown))}")
    return groups


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--size",
        type=parse_sizes,
        default=parse_sizes("small"),
        help=("small (1k), medium (1k,100k), large (1k,100k,1m) or a comma list of 1k,100k,1m"),
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (min wins)")
    parser.add_argument(
        "--only",
        type=parse_groups,
        default=set(GROUPS),
        help=f"comma list of rows to run: {', '.join(GROUPS)}",
    )
    parser.add_argument("--keep", action="store_true", help="keep scratch databases")
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached databases")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    return parser.parse_args(argv)


def _guarded(group: str, measure) -> list[Result]:
    """A group that cannot be measured becomes a failed row instead of a crash."""
    try:
        return measure()
    except (CommandFailed, RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
        return [Result(group, result="fail", budget="could not measure", figure=str(exc)[:120])]


def run(args: argparse.Namespace) -> list[Result]:
    ctx = rows.Context(sizes=args.size, runs=args.runs, keep=args.keep, fresh=args.fresh)
    groups = args.only
    results: list[Result] = []
    datasets.compile_installed_code()

    def add(group: str, measure) -> None:
        datasets.log(f"measuring {group} ...")
        results.extend(_guarded(group, measure))

    if groups & {"reads", "scaling", "export", "import"}:
        try:
            for label in ctx.sizes:  # build every size first, before anything is timed
                ctx.dataset(label)
                if "import" in groups:
                    ctx.sales(label)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            raise SystemExit(f"bench: cannot build the {label} database: {exc}") from exc
    if "startup" in groups:
        add("startup", lambda: rows.startup(ctx))
    if groups & {"reads", "scaling"}:
        add("reads", lambda: rows.reads_and_scaling(ctx, groups))
    if "export" in groups:
        add("export", lambda: rows.export_memory(ctx))
    if "import" in groups:
        add("import", lambda: rows.import_rows(ctx))
    if "tui" in groups:
        add("tui", lambda: rows.tui(ctx))
    if "basket" in groups:
        add("basket", lambda: rows.basket(ctx))
    return results


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    started = time.perf_counter()
    results = run(args)
    elapsed = time.perf_counter() - started
    print(table(results))
    for note in noise_notes(results):
        print(note)
    failed = [r for r in results if r.failed]
    print(
        f"\n{len(failed)} failing row(s); sizes {','.join(args.size)}; {args.runs} runs; "
        f"{elapsed:.0f} s"
    )
    if args.json:
        meta = {
            "sizes": list(args.size),
            "runs": args.runs,
            "seconds": elapsed,
            "python": platform.python_version(),
            "machine": platform.platform(),
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_json(args.json, results, meta)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
