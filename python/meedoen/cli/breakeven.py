"""``meedoen breakeven``: the effect needed for each scenario to break even, for the gemeente and
for society (a root search over runs of a scenario file; meedoen.breakeven)."""

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from meedoen.breakeven import DEFAULT_REPLICATES, DEFAULT_SCALE, FACTOR, UPPER, break_even
from meedoen.cli import console
from meedoen.cli.common import (
    EXIT_FAILED,
    CSV_SUFFIXES,
    EXIT_INTERRUPTED,
    NUMBER,
    WHOLE,
    make_directory,
    output_problems,
    parse_flags,
    range_problems,
    write_atomically,
)
from meedoen.errors import InputError, flag_problem
from meedoen.experiment import Experiment, load_experiment
from meedoen.mkba import LABELS

SETTINGS = {"replicates": WHOLE, "weeks": WHOLE, "seed": WHOLE, "scale": NUMBER}


def add_parser(commands: argparse._SubParsersAction) -> None:
    be = commands.add_parser(
        "breakeven",
        help="the effect needed for each scenario to break even, for the gemeente and for society",
        description=f"For each scenario of SCENARIO.toml: the factor on every intervention's effects "
        f"({FACTOR}) at which the gemeente's balance and society's, against the baseline over the "
        "horizon, reach zero, with its 95% interval, found by a root search over runs with the same "
        "seed (common random numbers); and the balance of a run at that factor. Writes a CSV table "
        "(docs/guide/breakeven.md) that `meedoen report --break-even` shows.",
    )
    be.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    be.add_argument(
        "-o", "--output", metavar="OUT.csv", help="the table (default: results/STEM_breakeven.csv)"
    )
    be.add_argument("--baseline", metavar="NAME", help="the reference scenario (default: the first)")
    be.add_argument(
        "--scenario",
        dest="scenarios",
        metavar="NAME",
        action="append",
        help="a scenario to search (default: every one but the baseline); once per scenario",
    )
    be.add_argument("--upper", metavar="X", help=f"search the factor in [0, X] (default {UPPER:g})")
    be.add_argument(
        "--replicates",
        metavar="N",
        help=f"replicates of each run (default {DEFAULT_REPLICATES}, not the file's)",
    )
    be.add_argument("--scale", metavar="F", help=f"share of the population (default {DEFAULT_SCALE:g})")
    be.add_argument("--weeks", metavar="W", help="weeks to simulate, instead of the file's")
    be.add_argument("--seed", metavar="S", help="seed, instead of the file's")
    be.add_argument("--threads", metavar="T", help="threads (default 0: the engine's default)")
    be.add_argument("--quiet", action="store_true", help="no progress bar")
    be.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check everything, search, write the table, print it."""
    kinds = SETTINGS | {"threads": WHOLE}
    values, problems = parse_flags(args, kinds)
    problems += range_problems(args, values, kinds)
    upper = UPPER
    if args.upper is not None:
        try:
            upper = float(args.upper)
        except ValueError:
            problems.append(flag_problem("--upper", f"value {args.upper} is not a number (a number above 0)"))
    out = Path(args.output or Path("results") / f"{Path(args.scenario).stem}_breakeven.csv")
    if args.output:
        problems += output_problems(out, inputs=(args.scenario,), suffixes=CSV_SUFFIXES)
    try:
        experiment = load_experiment(args.scenario)
    except InputError as error:
        raise InputError(error.problems + problems) from None
    if problems:
        raise InputError(problems)
    settings = {"replicates": DEFAULT_REPLICATES, "scale": DEFAULT_SCALE} | values
    threads = int(settings.pop("threads", 0))
    try:
        table = break_even(
            experiment,
            args.baseline,
            list(dict.fromkeys(args.scenarios)) if args.scenarios else args.scenarios,  # each once
            upper,
            threads=threads,
            progress=sys.stderr.isatty() and not args.quiet,
            **settings,
        )
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.output:
        make_directory(out.parent)
    try:
        write_atomically(out, lambda path: table.to_csv(path, index=False))
    except OSError as error:
        print(f"meedoen: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print_table(table, experiment.with_overrides(**settings))
    console.say(console.console(), f"written to {out}")
    return 0


def factor_text(row: pd.Series) -> str:
    """The factor with its interval, or that there is none within the bracket."""
    if math.isnan(row.factor):
        return f"not within [0, {row.upper:g}]"
    high = f">{row.upper:g}" if math.isnan(row.factor_ci_high) else f"{row.factor_ci_high:.2f}"
    return f"{row.factor:.2f} [{row.factor_ci_low:.2f}, {high}]"


def print_table(table: pd.DataFrame, experiment: Experiment) -> None:
    """The table on stdout, with what its columns mean."""
    out = console.console()
    baseline = table.baseline.iloc[0] if len(table) else ""
    title = (
        f"The effect needed to break even against {baseline}: factor on the effects [95% interval], "
        f"{experiment.replicates} replicates, {experiment.weeks} weeks, scale {experiment.scale:g}"
    )
    shown = console.table(title, ["factor", "at factor", "balance there (euro)"], ["scenario", "actor"])
    for row in table.itertuples(index=False):
        balance = console.cell(row.balance, row.balance_ci_low, row.balance_ci_high, "euro", diff=True)
        cells = [factor_text(pd.Series(row._asdict())), f"{row.at:.2f}", balance]
        console.add_row(shown, [row.scenario, LABELS["en"][row.actor], *cells])
    out.print(shown)
    console.say(
        out,
        "factor: how many times the assumed effects of every intervention it takes for the balance "
        "(benefit minus cost against the baseline, discounted, over the horizon) to reach zero; 1 is "
        "the effects as assumed. Balance there: a run at that factor (at the upper end when there is "
        "no root), with its paired 95% interval.",
    )
