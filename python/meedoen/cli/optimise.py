"""``meedoen optimise``: the best allocation of a budget over interventions, wijken and settings."""

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from meedoen.cli import console
from meedoen.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    OUTPUT_ALLOWED,
    add_cluster_flags,
    make_directory,
    workers_problems,
)
from meedoen.errors import InputError, flag_problem


def add_parser(commands: argparse._SubParsersAction) -> None:
    opt = commands.add_parser(
        "optimise",
        help="the best allocation of a budget over interventions, wijken and settings (Optuna)",
        description="Search the allocations that CONFIG.toml allows (docs/guide/optimise.md) for the best "
        "objective within the budget, re-run the best on more replicates with paired 95% intervals, and "
        "write them to the folder OUT as ready-to-run scenario files, a table (CSV) and a plot. The "
        "search is kept in OUT.study.jsonl: running the same command again continues it.",
    )
    opt.add_argument("config", metavar="CONFIG.toml", help="the optimisation configuration file")
    opt.add_argument(
        "-o", "--output", metavar="OUT", help="the output folder (default: results/STEM_optimise)"
    )
    add_cluster_flags(opt)
    opt.add_argument("--quiet", action="store_true", help="no progress bar")
    opt.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check everything, search, re-run the finalists, write OUT, print the table."""
    from meedoen.optimise import optimise, read_config, study_path, write_output

    out = Path(args.output or Path("results") / f"{Path(args.config).stem}_optimise")
    problems = workers_problems(args) + _output_problems(out, default=not args.output)
    try:
        config = read_config(args.config)
    except InputError as error:
        problems = error.problems + problems
    if problems:
        raise InputError(problems)
    if not args.output:
        make_directory(out.parent)
    if not args.quiet:
        print(f"searching {config.trials} trials; the study is kept in {study_path(out)}", file=sys.stderr)
    workers = int(args.workers) if args.workers else None
    try:
        result = optimise(
            config, out, None, args.scheduler, workers, progress=sys.stderr.isatty() and not args.quiet
        )
        if result.table.empty:
            print(
                f"meedoen: no allocation within the budget of {config.horizon_budget:,.0f} euro was found; "
                "nothing written",
                file=sys.stderr,
            )
            return EXIT_FAILED
        written = write_output(result, out)
    except KeyboardInterrupt:
        print(
            f"interrupted; nothing written; run the same command again to continue the study "
            f"({study_path(out)})",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"meedoen: cannot write {error.filename}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print_result(result, written)
    return 0


def _output_problems(out: Path, default: bool) -> list:
    parent = out.parent
    if not parent.is_dir() and not (default and not parent.exists()):
        what = "is not a directory" if parent.exists() else "does not exist"
        return [flag_problem("-o", f"directory {parent} {what} {OUTPUT_ALLOWED}")]
    from meedoen.optimise import output_problem

    problem = output_problem(out)
    return [flag_problem("-o", problem)] if problem else []


def _programme(choice: Any, row: dict) -> str:
    """A programme in a row: off, or its wijken and its varied settings."""
    if row[choice.name] == "off":
        return "off"
    settings = [f"{key} {row[choice.setting(key)]:g}" for key in choice.ranges]
    return "; ".join([row[choice.name], *settings])


def print_result(result: Any, written: list[Path]) -> None:
    """The table of the final stage, what its columns mean, and the files."""
    from meedoen.optimise import OBJECTIVES

    config = result.config
    objective = OBJECTIVES[config.objective]
    out = console.console()
    n = config.final_replicates
    title = (
        f"{objective.label} within a budget of {config.horizon_budget:,.0f} euro "
        f"(present value), {n} replicates, {config.experiment.weeks} weeks, scale {config.experiment.scale:g}"
    )
    table = console.table(title, [objective.name, "vs best", "cost (k euro)"], ["allocation", "role"])
    for choice in config.choices:
        table.add_column(Text(choice.name))
    unit = "euro" if objective.unit == "euro" else "persons_up"
    for row in result.table.to_dict("records"):
        best = row["role"] == "best"
        cells = [
            console.cell(row["objective"], row["ci_low"], row["ci_high"], unit),
            "-"
            if best
            else console.cell(row["diff_to_best"], row["diff_ci_low"], row["diff_ci_high"], unit, True),
            f"{row['cost_mean'] / 1e3:,.0f}" + ("" if row["feasible"] else " (over)"),
            *[_programme(choice, row) for choice in config.choices],
        ]
        console.add_row(table, [row["name"], row["role"], *cells])
    out.print(table)
    best = next(row for row in result.table.to_dict("records") if row["role"] == "best")
    if all(_programme(choice, best) == "off" for choice in config.choices):
        console.say(
            out,
            f"The best allocation funds none of the programmes: every allocation tried gave a lower "
            f"{objective.name} than funding nothing, at these assumptions.",
        )
    tried = result.trials.key.nunique()
    console.say(
        out,
        f"search: {tried} different allocations ({len(result.trials)} proposals), {result.sampler}, "
        f"{config.replicates} replicate{'s' * (config.replicates != 1)} each; "
        f"the rows are re-run on {n} replicates with the same seed "
        "(common random numbers).",
    )
    console.say(
        out,
        "[ ]: 95% interval; vs best: the paired difference to the best allocation. Cost: the "
        f"{config.cost_label}, the mean over the replicates; every row kept its largest cost within "
        "the budget unless marked (over).",
    )
    for path in written:
        console.say(out, f"written to {path}")
