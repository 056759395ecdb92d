"""``meedoen run``: run every scenario of a scenario file and write one results file."""

import argparse
import sys
from pathlib import Path
from typing import Any

from meedoen import interrupt
from meedoen.cli import console
from meedoen.cli.common import (
    EXIT_FAILED,
    HDF5_SUFFIXES,
    EXIT_INTERRUPTED,
    NUMBER,
    WHOLE,
    flag_name,
    make_directory,
    output_problems,
    parse_flags,
    range_problems,
)
from meedoen.errors import InputError, Problem, flag_problem
from meedoen.experiment import Experiment, load_experiment
from meedoen.outcomes import OUTCOMES
from meedoen.ranges import apply_ranges, parse_ranges
from meedoen.runner import (
    PRECISION_OUTCOMES,
    resume_experiment,
    run_on_cluster,
    run_to_file,
    run_to_precision,
)
from meedoen.summary import summarise_file

# The flags that change the experiment's settings, and the run's own.
SETTINGS = {"replicates": WHOLE, "weeks": WHOLE, "seed": WHOLE, "scale": NUMBER}
RUN_FLAGS = {"threads": WHOLE, "max_replicates": WHOLE}
# --precision's ranges: a share of the adults (or a share outcome's target), a count outcome's target.
PRECISION_LIMITS = {"share": (1e-6, 1.0), "persons": (1e-3, 1e9)}


def add_parser(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="run every scenario of a scenario file and write one results file",
        description="Run every scenario of SCENARIO.toml, write the results (HDF5) and print a summary.",
    )
    run.add_argument("scenario", metavar="SCENARIO.toml", nargs="?", help="the scenario file")
    run.add_argument("-o", "--output", metavar="OUT.h5", help="the results file (default: results/STEM.h5)")
    run.add_argument(
        "--resume",
        metavar="OUT.h5",
        help="complete the interrupted run that was writing OUT.h5 (no scenario file)",
    )
    run.add_argument(
        "--precision",
        metavar="[OUTCOME=]X",
        action="append",
        help="add replicates until every scenario's 95%% half-width of the paired difference to the "
        f"baseline in OUTCOME ({', '.join(PRECISION_OUTCOMES)}) is below X, in its unit; "
        "without OUTCOME, in the headline outcomes, X a share of the adults; once per outcome",
    )
    run.add_argument(
        "--max-replicates", metavar="N", help="the most replicates --precision may take (default 1000)"
    )
    run.add_argument("--replicates", metavar="N", help="replicates, instead of the file's")
    run.add_argument("--threads", metavar="T", help="threads (default 0: the engine's default)")
    run.add_argument("--seed", metavar="S", help="seed, instead of the file's")
    run.add_argument("--weeks", metavar="W", help="weeks to simulate, instead of the file's")
    run.add_argument("--scale", metavar="F", help="share of the population, instead of the file's")
    run.add_argument(
        "--posterior",
        metavar="POSTERIOR.h5",
        help="draw each replicate's parameters from this posterior of meedoen calibrate",
    )
    run.add_argument(
        "--ranges",
        metavar="NAME[=MIN:MAX]",
        action="append",
        help="draw each replicate's value of parameter NAME from its range in docs/parameters.md (or "
        "MIN:MAX within it), uniformly, by a scrambled Sobol' sequence; once per parameter",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the replicates on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786",
    )
    run.add_argument(
        "--no-coupled",
        dest="coupled",
        action="store_false",
        help="step each scenario on its own, one after another, instead of beside the baseline in one "
        "pass: the same results, slower, less memory",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check everything, run, write the results file, print the summary."""
    settings, problems = parse_flags(args, SETTINGS | RUN_FLAGS)
    problems += range_problems(args, settings, SETTINGS | RUN_FLAGS)
    own = {name: settings.pop(name) for name in RUN_FLAGS if name in settings}
    precision, precision_problems = precision_targets(args.precision)
    problems += precision_problems
    if args.precision:
        own["precision"] = precision
    if args.ranges:
        own["ranges"], range_flag_problems = parse_ranges(args.ranges)
        problems += range_flag_problems
        if args.posterior:
            message = "cannot be combined with --posterior (one source of draws)"
            problems.append(flag_problem("--ranges", message))
    mode = mode_problems(args, settings | own)
    problems += mode
    out = output_path(args)
    if args.output or args.resume:  # a file to resume keeps the name it was written under
        suffixes = HDF5_SUFFIXES if not args.resume else ()
        flag = "--resume" if args.resume else "-o"
        problems += output_problems(out, flag, inputs=(args.scenario, args.posterior), suffixes=suffixes)
    experiment = None
    try:
        if args.resume:  # a run that cannot be resumed this way (or there) is not looked for
            experiment = None if mode or problems else resume_experiment(out)
        elif args.scenario is not None:
            experiment = load_experiment(args.scenario)
    except InputError as error:
        problems += error.problems
    if not problems:
        problems += setting_problems(experiment, settings)
    if problems or experiment is None:
        raise InputError(problems)
    experiment = experiment.with_overrides(**settings)
    return execute(args, experiment, out, own)


def setting_problems(experiment: Experiment | None, settings: dict[str, Any]) -> list[Problem]:
    """The engine's problems with the settings flags (--weeks, ...) in this experiment, such as
    --weeks before the end of an intervention (none when the experiment could not be read)."""
    if experiment is None:
        return []
    try:
        experiment.with_overrides(**settings)
    except InputError as error:
        return error.problems
    return []


def execute(args: argparse.Namespace, experiment: Experiment, out: Path, own: dict[str, Any]) -> int:
    """Run the checked experiment into ``out`` (on a cluster, to a precision or plainly). The
    default folder of ``out`` is made once the posterior and the scheduler have passed their checks:
    after bad input nothing is written."""
    threads = int(own.get("threads", 0))
    precision = own.get("precision")
    max_replicates = int(own.get("max_replicates", 1000))
    if args.posterior:
        experiment = with_posterior(experiment, args.posterior, max_replicates if precision else None)
    if args.ranges:
        experiment = apply_ranges(experiment, own["ranges"], max_replicates if precision else None)
    progress = sys.stderr.isatty() and not args.quiet
    resume, coupled = bool(args.resume), args.coupled
    try:
        if args.scheduler:
            from meedoen.distributed import dask_client

            with dask_client(args.scheduler) as client:
                make_directory(out.parent)
                run_on_cluster(experiment, out, client, progress, resume=resume, coupled=coupled)
        elif precision is None:
            make_directory(out.parent)
            run_to_file(experiment, out, threads=threads, progress=progress, resume=resume, coupled=coupled)
        else:
            make_directory(out.parent)
            n, found = run_to_precision(
                experiment, out, precision, max_replicates, threads, progress, coupled=coupled
            )
            experiment = experiment.with_overrides(replicates=n)
            print(precision_line(args.precision, n, found, max_replicates))
    except KeyboardInterrupt:
        kept = precision is not None and out.exists()
        written = "the last finished round is in it" if kept else "no output written"
        print(f"interrupted; {written} (to finish it: meedoen run --resume {out})", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RuntimeError, OSError) as error:
        print(f"meedoen: {error}", file=sys.stderr)
        return EXIT_FAILED
    finished = f"interrupted after the run had finished; its results are in {out}"
    if interrupt.received():  # Ctrl-C after the engine had renamed the finished file
        print(finished, file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        print_summary(experiment, out)
    except KeyboardInterrupt:
        print(finished, file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def precision_targets(items: list[str] | None) -> tuple[float | dict[str, float] | None, list[Problem]]:
    """--precision's targets: one number for the headline outcomes, or {outcome: target}; and a
    problem for each item that is neither X nor OUTCOME=X."""
    if not items:
        return None, []
    plain: list[float] = []
    named: dict[str, float] = {}
    problems = []
    for item in items:
        name, _, text = item.rpartition("=")
        unit = OUTCOMES[name].unit if name in PRECISION_OUTCOMES else "share"
        low, high = PRECISION_LIMITS[unit]
        allowed = f"a number from {low:g} to {high:g}"
        if name and name not in PRECISION_OUTCOMES:
            outcomes = ", ".join(PRECISION_OUTCOMES)
            message = f"unknown outcome '{name}' (X, or OUTCOME=X with OUTCOME one of {outcomes})"
            problems.append(flag_problem("--precision", message))
            continue
        try:
            value = float(text)
        except ValueError:
            problems.append(flag_problem("--precision", f"value {item} is not a number ({allowed})"))
            continue
        if not low <= value <= high:
            problems.append(flag_problem("--precision", f"value {item} is out of range ({allowed})"))
        elif name in named:
            message = f"{name} is given twice ({name}={named[name]:g} and {item}; once per outcome)"
            problems.append(flag_problem("--precision", message))
        elif name:
            named[name] = value
        else:
            plain.append(value)
    if plain and (named or len(plain) > 1):
        message = "a plain X only once and alone (or OUTCOME=X, once per outcome)"
        problems.append(flag_problem("--precision", message))
    return (plain[0] if plain else named), problems


def precision_line(items: list[str], n: int, found: dict[str, tuple[float, float]], cap: int) -> str:
    """What --precision took: the replicates, each outcome's largest half-width and its target."""
    reached = all(width < target for width, target in found.values())
    widths = ", ".join(f"{name} {width:.2g} (target {target:.2g})" for name, (width, target) in found.items())
    outcome = "reached" if reached else f"not reached: the cap of {cap}"
    return f"--precision {', '.join(items)}: {n} replicates, largest half-width {widths} ({outcome})"


def with_posterior(experiment: Experiment, path: str, rows: int | None) -> Experiment:
    """The experiment with each replicate's parameters drawn from the posterior file ``path``
    (``rows``: how many replicates to draw for; default the experiment's)."""
    from meedoen.calibration import apply_posterior, read_posterior

    posterior = read_posterior(path)
    fixed = [name for name in posterior.names if experiment.file_sets(name)]
    if fixed:
        print(
            f"note: the scenario file sets {', '.join(fixed)}; its values are used, not the posterior's",
            file=sys.stderr,
        )
    return apply_posterior(experiment, posterior, rows)


def output_path(args: argparse.Namespace) -> Path:
    """Where the results go: --resume's file, -o, or results/<scenario file stem>.h5."""
    if args.resume:
        return Path(args.resume)
    if args.output:
        return Path(args.output)
    return Path("results") / f"{Path(args.scenario or 'meedoen').stem}.h5"


def mode_problems(args: argparse.Namespace, settings: dict[str, Any]) -> list[Problem]:
    """What does not go together: --resume with a scenario file, settings, --posterior or --ranges
    (a resumed run keeps its own), neither a scenario file nor --resume; --scheduler with
    --precision or --threads."""
    if args.scheduler:
        clashes = [flag_name(name) for name in ("precision", "threads") if name in settings]
        if clashes:
            return [
                flag_problem(
                    "--scheduler",
                    f"cannot be combined with {', '.join(clashes)} "
                    "(on a cluster each replicate runs on one worker thread)",
                )
            ]
    if "max_replicates" in settings and "precision" not in settings:
        message = "needs --precision (it caps the replicates --precision adds; without it, --replicates N)"
        return [flag_problem("--max-replicates", message)]
    if args.resume is None:
        if args.scenario is None:
            return [flag_problem("SCENARIO.toml", "missing (a scenario file, or --resume OUT.h5)")]
        return []
    clashes = [flag_name(name) for name in settings if name != "threads"]
    clashes += ["SCENARIO.toml"] * (args.scenario is not None) + ["-o"] * (args.output is not None)
    clashes += ["--posterior"] * (args.posterior is not None)  # its draws are kept too, as --ranges's
    if clashes:
        message = f"cannot be combined with {', '.join(clashes)} (a resumed run keeps its own)"
        return [flag_problem("--resume", message)]
    return []


def print_summary(experiment: Experiment, out: Path) -> None:
    """Print the summary table of the results file ``out`` on stdout."""
    summary = summarise_file(out).set_index(["scenario", "metric"])
    n, weeks = experiment.replicates, experiment.weeks
    table = console.table(
        f"{experiment.name}: mean over {n} replicate{'s' * (n != 1)}",
        ["participation_rate\nweek 0", f"participation_rate\nweek {weeks}", f"isolated_share\nweek {weeks}"],
        "scenario",
    )
    for scenario in experiment.scenario_names:
        row = summary.loc[scenario]
        metrics = ("participation_week0", "participation_rate", "isolated_share")
        console.add_row(table, [scenario, *(console.percent(*row.loc[m]) for m in metrics)])
    out_console = console.console()
    out_console.print(table)
    rate, isolated = OUTCOMES["participation_rate"], OUTCOMES["isolated_share"]
    console.say(out_console, f"{rate.name}: {rate.description['en']}, and at week 0")
    console.say(out_console, f"{isolated.name}: {isolated.description['en']}")
    if n > 1:
        console.say(out_console, "±: the 95% interval of the mean (t-interval over the replicates)")
    console.say(out_console, f"results written to {out}")
