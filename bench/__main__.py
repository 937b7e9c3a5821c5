"""`python -m bench [names] --firms N --rows N`: run benchmarks, print figures and ratios."""

from __future__ import annotations

import argparse
import os
import platform

from bench.cases import CASES, NEEDS_NO_WORLD
from bench.world import world


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*CASES, []], help="benchmarks (default: all)")
    parser.add_argument("--firms", type=int, default=20_000, help="demo-world size")
    parser.add_argument("--rows", type=int, default=100_000, help="rows for SHAP and batch")
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"firms={args.firms:,} rows={args.rows:,}",
        flush=True,
    )
    names = args.names or list(CASES)
    built = None
    if not set(names) <= NEEDS_NO_WORLD:
        built = world(args.firms)
        seconds = built.seconds
        print(
            f"world: generate {seconds['generate']:.1f}s, features {seconds['features']:.1f}s, "
            f"{len(built.features):,} firm-years",
            flush=True,
        )
    for name in names:
        CASES[name](built, args.rows)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
