"""The command line: ``meedoen run`` and ``meedoen validate``.

Bad input never gives a traceback: one line per problem on stderr, as
``FILE:LINE: key: what is wrong (what is allowed)`` (``command line: --flag:
...`` for a flag), and exit status 2. Ctrl-C during a run exits with 130.
"""

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from meedoen import __version__, _core
from meedoen.errors import InputError
from meedoen.experiment import Experiment, load_experiment
from meedoen.results import open_results
from meedoen.runner import run_to_file
from meedoen.summary import summarise

EXIT_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
MAX_THREADS = 1024
SEED_LIMITS = (0, 2**63 - 1)  # a seed is a TOML integer
OUTPUT_ALLOWED = "(a file in an existing directory that you can write to)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: the sub-commands run and validate."""
    parser = argparse.ArgumentParser(
        prog="meedoen",
        description="Simulate participation in Leiden's social domain and compare policy scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"meedoen {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run every scenario of a scenario file and write one results file",
        description="Run every scenario of SCENARIO.toml, write the results (HDF5) and print a summary.",
    )
    run.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    run.add_argument("-o", "--output", metavar="OUT.h5", help="the results file (default: results/STEM.h5)")
    run.add_argument("--replicates", metavar="N", help="replicates, instead of the file's")
    run.add_argument("--threads", metavar="T", help="threads (default 0: the engine's default)")
    run.add_argument("--seed", metavar="S", help="seed, instead of the file's")
    run.add_argument("--weeks", metavar="W", help="weeks to simulate, instead of the file's")
    run.add_argument("--scale", metavar="F", help="share of the population, instead of the file's")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=run_command)

    validate = commands.add_parser(
        "validate",
        help="check a scenario file without running it",
        description="Check SCENARIO.toml and its data files without running anything.",
    )
    validate.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    validate.set_defaults(handler=validate_command)
    return parser


def validate_command(args: argparse.Namespace) -> int:
    """``meedoen validate``: load the scenario file and say what it holds."""
    experiment = load_experiment(args.scenario)
    print(
        f"OK: {len(experiment.scenario_names)} scenarios, {experiment.weeks} weeks, "
        f"{experiment.replicates} replicates"
    )
    return 0


def run_command(args: argparse.Namespace) -> int:
    """``meedoen run``: check everything, run, write the results file, print the summary."""
    settings, problems = read_flags(args)
    out = Path(args.output) if args.output else Path("results") / f"{Path(args.scenario).stem}.h5"
    if args.output:
        problems += output_problems(out)
    try:
        experiment = load_experiment(args.scenario)
    except InputError as error:
        problems += error.problems
    if problems:
        raise InputError(problems)
    if not args.output:
        make_directory(out.parent)
    threads = int(settings.pop("threads", 0))
    experiment = experiment.with_overrides(**settings)
    try:
        run_to_file(experiment, out, threads=threads, progress=sys.stderr.isatty() and not args.quiet)
    except KeyboardInterrupt:
        print("interrupted; no output written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RuntimeError, OSError) as error:
        print(f"meedoen: {error}", file=sys.stderr)
        return EXIT_FAILED
    print_summary(experiment, out)
    return 0


def read_flags(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The flags' values (replicates, weeks, seed, scale, threads) and a problem line per bad one."""
    limits = _core.limits
    checks: dict[str, tuple[Callable[[str], int | float], str, tuple[float, float]]] = {
        "replicates": (int, "a whole number", limits["replicates"]),
        "weeks": (int, "a whole number", limits["weeks"]),
        "seed": (int, "a whole number", SEED_LIMITS),
        "scale": (float, "a number", limits["scale"]),
        "threads": (int, "a whole number", (0, MAX_THREADS)),
    }
    values: dict[str, Any] = {}
    problems = []
    for name, (parse, kind, (low, high)) in checks.items():
        text = getattr(args, name)
        if text is None:
            continue
        allowed = f"{kind} from {_number(low)} to {_number(high)}"
        try:
            value = parse(text)
        except ValueError:
            problems.append(f"command line: --{name}: value {text} is not {kind} ({allowed})")
            continue
        if low <= value <= high:
            values[name] = value
        else:
            problems.append(f"command line: --{name}: value {text} is out of range ({allowed})")
    return values, problems


def output_problems(out: Path) -> list[str]:
    """Why the results file cannot be written to ``out``, if it cannot."""
    parent = out.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        return [f"command line: -o: directory {parent} {what} {OUTPUT_ALLOWED}"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"command line: -o: directory {parent} is not writable {OUTPUT_ALLOWED}"]
    if out.is_dir():
        return [f"command line: -o: {out} is a directory {OUTPUT_ALLOWED}"]
    return []


def make_directory(directory: Path) -> None:
    """Create the default output directory (results/) if need be; InputError if that fails."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        problem = f"command line: -o: cannot create directory {directory}: {error.strerror} {OUTPUT_ALLOWED}"
        raise InputError([problem]) from None


def print_summary(experiment: Experiment, out: Path) -> None:
    """Print the summary table of the results file ``out`` on stdout."""
    summary = summarise(open_results(out)).set_index(["scenario", "metric"])
    n = experiment.replicates
    table = Table(title=f"{experiment.name}: mean over {n} replicate{'s' * (n != 1)}")
    table.add_column("scenario", no_wrap=True)
    table.add_column("participation\nweek 0", justify="right")
    table.add_column(f"participation\nweek {experiment.weeks}", justify="right")
    table.add_column(f"isolated\nweek {experiment.weeks}", justify="right")
    for scenario in experiment.scenario_names:
        row = summary.loc[scenario]
        metrics = ("participation_week0", "participation_rate", "isolated_share")
        table.add_row(scenario, *(_percent(*row.loc[m]) for m in metrics))
    console = Console()
    console.print(table)
    console.print("participation: share of adults on rung 3 or higher of the participation ladder")
    console.print("isolated: share of adults on rung 1")
    if n > 1:
        console.print("±: the 95% interval of the mean (t-interval over the replicates)")
    console.print(f"results written to {out}", soft_wrap=True, highlight=False)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(mean: float, low: float, high: float) -> str:
    """The mean and the half-width of its (symmetric) interval, in percent."""
    if math.isnan(low):
        return f"{mean:.1%}"
    return f"{mean:.1%} ± {(high - low) / 2:.1%}"
