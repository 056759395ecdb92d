"""``meedoen sensitivity``: how much of the variation in outcomes each parameter explains."""

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meedoen.cli import console
from meedoen.cli.common import (
    EXIT_FAILED,
    CSV_SUFFIXES,
    PLOT_SUFFIXES,
    EXIT_INTERRUPTED,
    add_cluster_flags,
    make_directory,
    output_problems,
    workers_problems,
    write_atomically,
)
from meedoen.errors import InputError, flag_problem
from meedoen.outcomes import rounded, with_error


def add_parser(commands: argparse._SubParsersAction) -> None:
    sens = commands.add_parser(
        "sensitivity",
        help="how much of the variation in outcomes each parameter explains (Sobol, Morris)",
        description="Global sensitivity analysis with SALib, configured by CONFIG.toml "
        "(docs/guide/sensitivity.md): Sobol' indices (S1, ST) with 95% intervals, or Morris "
        "screening (mu*, sigma), per outcome and parameter, as a table and a plot. The model runs "
        "go to a local Dask cluster, or to an existing one with --scheduler.",
    )
    sens.add_argument("config", metavar="CONFIG.toml", help="the sensitivity configuration file")
    sens.add_argument(
        "-o", "--output", metavar="OUT.csv", help="the table (default: results/STEM_sensitivity.csv)"
    )
    sens.add_argument("--plot", metavar="OUT.png", help="the plot (default: OUT.csv with .png)")
    sens.add_argument(
        "--runs", metavar="RUNS.csv", help="also write every model run: its parameter values and outcomes"
    )
    add_cluster_flags(sens)
    sens.add_argument("--quiet", action="store_true", help="no progress bar")
    sens.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check everything, run the samples on Dask, write table and plot."""
    from meedoen.sensitivity import diagnose, read_config, sensitivity  # here: SALib, dask take a while

    problems = workers_problems(args)
    table_out = Path(args.output or Path("results") / f"{Path(args.config).stem}_sensitivity.csv")
    outputs = {"-o": table_out, "--plot": Path(args.plot or table_out.with_suffix(".png"))}
    if args.runs:
        outputs["--runs"] = Path(args.runs)
    default = {"-o"} if not args.output else set()
    default |= {"--plot"} if not (args.output or args.plot) else set()
    for flag, out in outputs.items():  # results/ is made when needed, so . must be writable then
        folder_made = flag in default and not out.parent.exists()
        suffixes = PLOT_SUFFIXES if flag == "--plot" else CSV_SUFFIXES
        if folder_made:
            problems += output_problems(out.parent, flag, inputs=(args.config,))
        else:
            problems += output_problems(out, flag, inputs=(args.config,), suffixes=suffixes)
    named = [out.resolve() for out in outputs.values()]
    if len(set(named)) < len(named) or Path(args.config).resolve() in named:
        problems.append(
            flag_problem(
                "--plot", "the outputs must be different files, not CONFIG.toml (-o, --plot, --runs)"
            )
        )
    try:
        config = read_config(args.config)
    except InputError as error:
        problems = error.problems + problems
    if problems:
        raise InputError(problems)
    if not args.quiet:
        where = f"the cluster at {args.scheduler}" if args.scheduler else "a local Dask cluster"
        print(f"{config.method}: {config.runs} model runs on {where}", file=sys.stderr)
    try:
        workers = int(args.workers) if args.workers else None
        result = sensitivity(config, args.scheduler, workers, progress=sys.stderr.isatty() and not args.quiet)
    except KeyboardInterrupt:
        print("interrupted; no output written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RuntimeError, OSError) as error:
        print(f"meedoen: {error}", file=sys.stderr)
        return EXIT_FAILED
    title = sensitivity_title(result.settings)
    writers: dict[str, Callable[[Path], None]] = {
        "-o": lambda path: result.table.to_csv(path, index=False),
        "--plot": lambda path: result.plot(title).savefig(path, dpi=150, format="png"),
        "--runs": lambda path: result.runs.to_csv(path, index=False),
    }
    if result.second_order is not None:
        outputs["second order"] = table_out.with_name(f"{table_out.stem}_second_order.csv")
        writers["second order"] = lambda path: result.second_order.to_csv(path, index=False)
    for flag in default:
        make_directory(outputs[flag].parent)
    try:
        for flag, out in outputs.items():
            write_atomically(out, writers[flag])
    except OSError as error:
        print(f"meedoen: cannot write {error.filename}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print_sensitivity(result, title, outputs)
    for line in diagnose(result):
        print(f"warning: {line}", file=sys.stderr)
    return 0


def sensitivity_title(settings: dict[str, Any]) -> str:
    """What was analysed, in one line: the outcome's scenario (minus the baseline), the runs."""
    what = settings["scenario"] + (f" minus {settings['baseline']}" if settings["difference"] else "")
    method = {"sobol": "Sobol' indices", "morris": "Morris screening"}[settings["method"]]
    n = settings["replicates"]
    return (
        f"{method} of {what}: {settings['runs']} model runs, {settings['weeks']} weeks, "
        f"scale {settings['scale']:g}, {n} replicate{'s' * (n != 1)} each"
    )


def print_sensitivity(result: Any, title: str, outputs: dict[str, Path]) -> None:
    """The table on stdout, with what its columns mean and where the files went."""
    out = console.console()
    sobol = result.method == "sobol"
    columns = ["S1", "ST"] if sobol else ["mu*", "mu", "sigma"]
    table = console.table(title, columns, ["outcome", "parameter"])
    for row in result.table.itertuples(index=False):
        if sobol and math.isnan(row.ST):
            cells = ["-", "-"]
        elif sobol:
            cells = [f"{row.S1:.3f} ± {row.S1_conf:.3f}", f"{row.ST:.3f} ± {row.ST_conf:.3f}"]
        else:
            error = row.mu_star_conf
            cells = [with_error(row.mu_star, error), rounded(row.mu, error), rounded(row.sigma, error)]
        console.add_row(table, [row.outcome, row.parameter, *cells])
    out.print(table)
    if sobol:
        console.say(out, "S1: share of the outcome's variance the parameter explains alone; ST: alone and in")
        console.say(out, "interaction with the others. ±: half the width of the 95% bootstrap interval.")
        for outcome in dict.fromkeys(result.table.outcome[result.table.ST.isna()]):
            console.say(out, f"{outcome}: the same in every model run, so no share of its variance (-)")
    else:
        console.say(out, "mu*: mean absolute change in the outcome from a step across the parameter's range,")
        console.say(out, "in the outcome's unit; mu: the same with its sign; sigma: how much that change")
        console.say(out, "varies (interactions, non-linearity). ±: half the width of mu*'s 95% bootstrap")
        console.say(out, "interval; the numbers are rounded to its digits.")
    for path in outputs.values():
        console.say(out, f"written to {path}")
