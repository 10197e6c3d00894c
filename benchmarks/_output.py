"""Where a benchmark writes its results: nowhere unless asked (benchmarks never rewrite tracked files by default).

    --write      benchmarks/results/<its file> (the recorded results the README quotes)
    --out PATH   PATH instead

Without either, a benchmark prints its figures and writes nothing.
"""
from __future__ import annotations

import argparse
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def add_output_arguments(parser: argparse.ArgumentParser, default_name: str) -> None:
    parser.add_argument("--write", action="store_true", help=f"write benchmarks/results/{default_name}")
    parser.add_argument("--out", default=None, metavar="PATH", help=f"write the results to PATH instead")


def output_path(args: argparse.Namespace, default_name: str) -> Path | None:
    """The file to write (parent folders created), or None to print only."""
    if args.out:
        path = Path(args.out)
    elif args.write:
        path = RESULTS / default_name
    else:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def results_path(default_name: str, argv: list[str] | None = None, description: str | None = None) -> Path | None:
    """For benchmarks without options of their own: parse ``--write`` / ``--out`` and return the path (or None)."""
    parser = argparse.ArgumentParser(description=description)
    add_output_arguments(parser, default_name)
    return output_path(parser.parse_args(argv), default_name)
