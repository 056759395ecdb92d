"""The command line: ``meedoen run``, ``validate``, ``compare``, ``report`` and ``sensitivity``.

Bad input never gives a traceback: one line per problem on stderr, as
``FILE:LINE: key: what is wrong (what is allowed)`` (``command line: --flag:
...`` for a flag), and exit status 2. Ctrl-C during a run exits with 130.
"""

import argparse
import math
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from meedoen import __version__, _core
from meedoen.compare import COLUMNS, METRICS, compare, to_json
from meedoen.errors import InputError
from meedoen.experiment import Experiment, load_experiment
from meedoen.results import Results, open_results
from meedoen.runner import resume_experiment, run_on_cluster, run_to_file, run_to_precision
from meedoen.summary import summarise_file

EXIT_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
MAX_THREADS = 1024
SEED_LIMITS = (0, 2**63 - 1)  # a seed is a TOML integer
OUTPUT_ALLOWED = "(a file in an existing directory that you can write to)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); return the exit status."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `meedoen compare ... | head` ends quietly
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
    run.add_argument("scenario", metavar="SCENARIO.toml", nargs="?", help="the scenario file")
    run.add_argument("-o", "--output", metavar="OUT.h5", help="the results file (default: results/STEM.h5)")
    run.add_argument(
        "--resume",
        metavar="OUT.h5",
        help="complete the interrupted run that was writing OUT.h5 (no scenario file)",
    )
    run.add_argument(
        "--precision",
        metavar="X",
        help="add replicates until every scenario's 95%% half-width of the paired difference in "
        "participation rate is below X (a share, e.g. 0.001)",
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
        "--scheduler",
        metavar="ADDRESS",
        help="run the replicates on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=run_command)

    validate = commands.add_parser(
        "validate",
        help="check a scenario file without running it",
        description="Check SCENARIO.toml and its data files without running anything.",
    )
    validate.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    validate.set_defaults(handler=validate_command)

    comparison = commands.add_parser(
        "compare",
        help="compare the scenarios of a results file with the baseline",
        description="Per scenario: participation, isolation, persons moved up, costs, savings, "
        "cost per person "
        "moved up and the break-even week, as means with 95% intervals over the replicates, and differences "
        "to the baseline paired by replicate.",
    )
    comparison.add_argument("results", metavar="OUT.h5", help="a results file of meedoen run")
    comparison.add_argument(
        "--baseline", metavar="NAME", help="the scenario to compare with (default: the first)"
    )
    comparison.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="output format"
    )
    comparison.add_argument(
        "--by-wijk", action="store_true", help="the table also per wijk (csv and json always are)"
    )
    comparison.set_defaults(handler=compare_command)

    report = commands.add_parser(
        "report",
        help="write one self-contained HTML page with the plots and tables of a results file",
        description="Write the report of OUT.h5: the question, the scenarios, the outcomes with 95% "
        "intervals, the plots, the assumptions and the provenance, as one HTML file that opens offline.",
    )
    report.add_argument("results", metavar="OUT.h5", help="a results file of meedoen run")
    report.add_argument("-o", "--output", metavar="REPORT.html", required=True, help="the HTML file to write")
    report.add_argument("--lang", default="nl", help="the language of the report: nl (default) or en")
    report.add_argument("--baseline", metavar="NAME", help="the scenario to compare with (default: first)")
    report.set_defaults(handler=report_command)

    calibration = commands.add_parser(
        "calibrate",
        help="fit the parameters a configuration names to pilot data (ABC-SMC)",
        description="Calibrate the parameters named in CONFIG.toml on the aggregated counts of one or more "
        "pilot files with likelihood-free ABC-SMC (pyabc), and write the posterior (HDF5).",
    )
    calibration.add_argument("config", metavar="CONFIG.toml", help="the calibration configuration")
    calibration.add_argument(
        "--pilot",
        metavar="FILE.csv",
        action="append",
        required=True,
        help="a pilot data file (docs/pilot-data.md); give --pilot once per file",
    )
    calibration.add_argument(
        "-o", "--output", metavar="POSTERIOR.h5", required=True, help="the posterior file"
    )
    add_cluster_flags(calibration)
    calibration.add_argument("--quiet", action="store_true", help="no progress per generation")
    calibration.set_defaults(handler=calibrate_command)
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
    sens.set_defaults(handler=sensitivity_command)
    return parser


def add_cluster_flags(parser: argparse.ArgumentParser) -> None:
    """--scheduler and --workers: where the model runs go (a Dask cluster)."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the scheduler of a running Dask cluster, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )
    parser.add_argument(
        "--workers", metavar="N", help="worker processes of the local cluster (default: one per core)"
    )


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
    problems += mode_problems(args, settings)
    out = output_path(args)
    if args.output or args.resume:
        problems += output_problems(out)
    experiment = None
    try:
        if args.resume:
            experiment = resume_experiment(out)
        elif args.scenario is not None:
            experiment = load_experiment(args.scenario)
    except InputError as error:
        problems += error.problems
    if problems or experiment is None:
        raise InputError(problems)
    if not args.output:
        make_directory(out.parent)
    threads = int(settings.pop("threads", 0))
    precision = settings.pop("precision", None)
    max_replicates = int(settings.pop("max_replicates", 1000))
    experiment = experiment.with_overrides(**settings)
    if args.posterior:
        experiment = with_posterior(experiment, args.posterior, max_replicates if precision else None)
    progress = sys.stderr.isatty() and not args.quiet
    try:
        if args.scheduler:
            from meedoen.distributed import dask_client

            with dask_client(args.scheduler) as client:
                run_on_cluster(experiment, out, client, progress, resume=bool(args.resume))
        elif precision is None:
            run_to_file(experiment, out, threads=threads, progress=progress, resume=bool(args.resume))
        else:
            n, width = run_to_precision(experiment, out, precision, max_replicates, threads, progress)
            experiment = experiment.with_overrides(replicates=n)
            reached = "reached" if width < precision else f"not reached: the cap of {max_replicates}"
            print(f"--precision {precision:g}: {n} replicates, largest half-width {width:.2g} ({reached})")
    except KeyboardInterrupt:
        written = (
            "the last finished round is in it"
            if precision is not None and out.exists()
            else "no output written"
        )
        print(f"interrupted; {written} (to finish it: meedoen run --resume {out})", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RuntimeError, OSError) as error:
        print(f"meedoen: {error}", file=sys.stderr)
        return EXIT_FAILED
    print_summary(experiment, out)
    return 0


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


def calibrate_command(args: argparse.Namespace) -> int:
    """``meedoen calibrate``: check the config and pilot files, calibrate, write and summarise."""
    from meedoen.calibration import calibrate, read_calibration_config

    out = Path(args.output)
    problems = output_problems(out) + workers_problems(args)
    try:
        config = read_calibration_config(args.config)
    except InputError as error:
        raise InputError(error.problems + problems) from None
    if problems:
        raise InputError(problems)
    workers = int(args.workers) if args.workers else None
    posterior = calibrate(config, args.pilot, out, args.scheduler, workers, quiet=args.quiet)
    console = Console()
    table = Table(title=f"Posterior of {config.scenario} ({len(posterior.weights)} particles)")
    for column in ("parameter", "prior", "mean", "90% interval", "width / prior's"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    for row in posterior.summary().itertuples():
        table.add_row(
            row.parameter,
            f"{row.prior_min:.3g} to {row.prior_max:.3g}",
            f"{row.mean:.3g}",
            f"{row.q05:.3g} to {row.q95:.3g}",
            f"{row.width_ratio:.0%}",
        )
    console.print(table)
    g = posterior.generations.iloc[-1]
    print(
        f"{len(posterior.generations)} generations; the last: epsilon {g.epsilon:.3g}, acceptance rate "
        f"{g.acceptance_rate:.2g}, effective sample size {g.ess:.0f}"
    )
    print(f"posterior written to {out}; use it with: meedoen run SCENARIO.toml --posterior {out}")
    return 0


def output_path(args: argparse.Namespace) -> Path:
    """Where the results go: --resume's file, -o, or results/<scenario file stem>.h5."""
    if args.resume:
        return Path(args.resume)
    if args.output:
        return Path(args.output)
    return Path("results") / f"{Path(args.scenario or 'meedoen').stem}.h5"


def mode_problems(args: argparse.Namespace, settings: dict[str, Any]) -> list[str]:
    """What does not go together: --resume with a scenario file or settings, neither of the two;
    --scheduler with --precision or --threads."""
    if args.scheduler:
        clashes = [f"--{name.replace('_', '-')}" for name in ("precision", "threads") if name in settings]
        if clashes:
            return [
                f"command line: --scheduler: cannot be combined with {', '.join(clashes)} "
                "(on a cluster each replicate runs on one worker thread)"
            ]
    if args.resume is None:
        if args.scenario is None:
            return ["command line: SCENARIO.toml: missing (a scenario file, or --resume OUT.h5)"]
        return []
    clashes = [f"--{name.replace('_', '-')}" for name in settings if name != "threads"]
    clashes += ["SCENARIO.toml"] * (args.scenario is not None) + ["-o"] * (args.output is not None)
    if clashes:
        return [
            f"command line: --resume: cannot be combined with {', '.join(clashes)} "
            "(a resumed run keeps its own)"
        ]
    return []


def compare_command(args: argparse.Namespace) -> int:
    """``meedoen compare``: the comparison table of a results file."""
    results = read_results(args.results)
    if args.baseline is not None and args.baseline not in results.scenarios:
        raise InputError(
            [
                f"command line: --baseline: no scenario {args.baseline} "
                f"(one of: {', '.join(results.scenarios)})"
            ]
        )
    table = compare(results, baseline=args.baseline)
    if args.format == "json":
        print(to_json(table))
    elif args.format == "csv":
        print(table[COLUMNS].to_csv(index=False), end="")
    else:
        print_comparison(table, results, args.baseline or results.scenarios[0], args.by_wijk)
    return 0


def report_command(args: argparse.Namespace) -> int:
    """``meedoen report``: check everything, then write the HTML report (under a temporary name, renamed)."""
    from meedoen.report import LANGUAGES, write_report  # here, not above: matplotlib takes a second to import

    out = Path(args.output)
    problems = output_problems(out)
    if out.exists() and out.resolve() == Path(args.results).resolve():
        problems.append(f"command line: -o: {out} is the results file itself (another file for the report)")
    if args.lang not in LANGUAGES:
        allowed = " or ".join(LANGUAGES)
        problems.append(f"command line: --lang: value {args.lang} is not a report language ({allowed})")
    try:
        results = read_results(args.results)
    except InputError as error:
        raise InputError(error.problems + problems) from None
    if args.baseline is not None and args.baseline not in results.scenarios:
        names = ", ".join(results.scenarios)
        problems.append(f"command line: --baseline: no scenario {args.baseline} (one of: {names})")
    if problems:
        raise InputError(problems)
    try:
        write_report(results, out, lang=args.lang, baseline=args.baseline)
    except OSError as error:
        print(f"meedoen: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"report written to {out}")
    return 0


def sensitivity_command(args: argparse.Namespace) -> int:
    """``meedoen sensitivity``: check everything, run the samples on Dask, write table and plot."""
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
        problems += output_problems(out.parent if folder_made else out, flag)
    named = [out.resolve() for out in outputs.values()]
    if len(set(named)) < len(named) or Path(args.config).resolve() in named:
        problems.append(
            "command line: --plot: the outputs must be different files, not CONFIG.toml (-o, --plot, --runs)"
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


def workers_problems(args: argparse.Namespace) -> list[str]:
    """What is wrong with --workers: not a number from 1 to MAX_THREADS, or given with --scheduler."""
    if args.workers is None:
        return []
    allowed = f"(a whole number from 1 to {MAX_THREADS})"
    if args.scheduler:
        return ["command line: --workers: cannot be combined with --scheduler (its cluster has its workers)"]
    try:
        workers = int(args.workers)
    except ValueError:
        return [f"command line: --workers: value {args.workers} is not a whole number {allowed}"]
    if not 1 <= workers <= MAX_THREADS:
        return [f"command line: --workers: value {args.workers} is out of range {allowed}"]
    return []


def write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    """``write(OUT.partial)``, then rename it to ``out``: ``out`` is whole or as it was."""
    partial = out.with_name(out.name + ".partial")
    try:
        write(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


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
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=title)
    table.add_column("outcome", no_wrap=True)
    table.add_column("parameter", no_wrap=True)
    sobol = result.method == "sobol"
    columns = ["S1", "ST"] if sobol else ["mu_star", "mu", "sigma"]
    for column in columns:
        table.add_column(column.replace("mu_star", "mu*"), justify="right")
    for row in result.table.itertuples(index=False):
        if sobol and math.isnan(row.ST):
            cells = ["-", "-"]
        elif sobol:
            cells = [f"{row.S1:.3f} ± {row.S1_conf:.3f}", f"{row.ST:.3f} ± {row.ST_conf:.3f}"]
        else:
            cells = [f"{row.mu_star:.4g} ± {row.mu_star_conf:.2g}", f"{row.mu:.4g}", f"{row.sigma:.4g}"]
        table.add_row(row.outcome, row.parameter, *cells)
    console.print(table)
    if sobol:
        console.print("S1: share of the outcome's variance the parameter explains alone; ST: alone and in")
        console.print("interaction with the others. ±: half the width of the 95% bootstrap interval.")
        for outcome in dict.fromkeys(result.table.outcome[result.table.ST.isna()]):
            console.print(f"{outcome}: the same in every model run, so no share of its variance (-)")
    else:
        console.print("mu*: mean absolute change in the outcome from a step across the parameter's range;")
        console.print("mu: the same with its sign; sigma: how much that change varies (interactions,")
        console.print("non-linearity). ±: half the width of mu*'s 95% bootstrap interval.")
    for out in outputs.values():
        console.print(f"written to {out}", soft_wrap=True, highlight=False)


def read_results(path: str) -> Results:
    """The results file at ``path``; InputError naming it when it cannot be read as one."""
    try:
        return open_results(path)
    except FileNotFoundError:
        raise InputError([f"{path}: (file): does not exist (a results file of meedoen run)"]) from None


def read_flags(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The flags' values (replicates, weeks, seed, scale, threads) and a problem line per bad one."""
    limits = _core.limits
    checks: dict[str, tuple[Callable[[str], int | float], str, tuple[float, float]]] = {
        "replicates": (int, "a whole number", limits["replicates"]),
        "weeks": (int, "a whole number", limits["weeks"]),
        "seed": (int, "a whole number", SEED_LIMITS),
        "scale": (float, "a number", limits["scale"]),
        "threads": (int, "a whole number", (0, MAX_THREADS)),
        "precision": (float, "a number", (1e-6, 1.0)),
        "max_replicates": (int, "a whole number", limits["replicates"]),
    }
    values: dict[str, Any] = {}
    problems = []
    for name, (parse, kind, (low, high)) in checks.items():
        text = getattr(args, name)
        if text is None:
            continue
        flag = "--" + name.replace("_", "-")
        allowed = f"{kind} from {_number(low)} to {_number(high)}"
        try:
            value = parse(text)
        except ValueError:
            problems.append(f"command line: {flag}: value {text} is not {kind} ({allowed})")
            continue
        if low <= value <= high:
            values[name] = value
        else:
            problems.append(f"command line: {flag}: value {text} is out of range ({allowed})")
    return values, problems


def output_problems(out: Path, flag: str = "-o") -> list[str]:
    """Why the output file of ``flag`` cannot be written to ``out``, if it cannot."""
    parent = out.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        return [f"command line: {flag}: directory {parent} {what} {OUTPUT_ALLOWED}"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"command line: {flag}: directory {parent} is not writable {OUTPUT_ALLOWED}"]
    if out.is_dir():
        return [f"command line: {flag}: {out} is a directory {OUTPUT_ALLOWED}"]
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
    summary = summarise_file(out).set_index(["scenario", "metric"])
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


def print_comparison(table: Any, results: Results, baseline: str, by_wijk: bool) -> None:
    """The comparison on stdout: what each scenario achieves, and what it costs and saves."""
    city = table[table.wijk == "all"].set_index(["scenario", "metric"])
    scenarios = list(dict.fromkeys(table.scenario))
    console = Console(width=None if sys.stdout.isatty() else 160)
    n = results.attrs.get("replicates")
    achieves = Table(
        title=f"What each scenario achieves at the end: difference to {baseline} "
        f"[95% interval], {n} replicates"
    )
    achieves.add_column("scenario", no_wrap=True)
    for metric in ("participation_rate", "isolated", "persons_up"):
        achieves.add_column(metric, justify="right")
    for name in scenarios:
        achieves.add_row(
            name,
            *(
                _cell(city.loc[(name, m)], m, diff=True)
                for m in ("participation_rate", "isolated", "persons_up")
            ),
        )
    costs = Table(
        title="What it costs and saves: euros over the horizon, discounted to the start [95% interval]"
    )
    costs.add_column("scenario", no_wrap=True)
    money = ("intervention_cost", "provision_cost", "net_savings", "cost_per_person_up", "break_even_week")
    for metric in money:
        costs.add_column(metric if metric != "provision_cost" else "provision_cost change", justify="right")
    for name in scenarios:
        row = city.loc[name]
        costs.add_row(
            name,
            _cell(row.loc["intervention_cost"], "euro"),
            _cell(row.loc["provision_cost"], "euro", diff=True),
            _cell(row.loc["net_savings"], "euro"),
            _cell(row.loc["cost_per_person_up"], "euro"),
            _cell(row.loc["break_even_week"], "week"),
        )
    console.print(achieves)
    console.print(costs)
    if by_wijk:
        console.print(_wijk_table(table, scenarios, baseline))
    console.print(
        f"Differences are paired by replicate with {baseline} (common random numbers).", highlight=False
    )
    for metric, meaning in METRICS.items():
        console.print(f"  {metric}: {meaning}", highlight=False)
    scale = results.attrs.get("scale", 1.0)
    if scale != 1.0:
        console.print(
            f"Scale {scale:g}: the population is scaled, the interventions "
            "(staff hours, places, pots) are not; "
            "use scale 1 for budget answers.",
            highlight=False,
        )


def _wijk_table(table: Any, scenarios: list[str], baseline: str) -> Table:
    """Participation-rate difference to the baseline per wijk (rows) and scenario (columns)."""
    rows = table[(table.wijk != "all") & (table.metric == "participation_rate")].set_index(
        ["wijk", "scenario"]
    )
    out = Table(title=f"Participation rate per wijk: difference to {baseline} [95% interval]")
    out.add_column("wijk", no_wrap=True)
    others = [name for name in scenarios if name != baseline]
    for name in others:
        out.add_column(name, justify="right")
    for wijk in dict.fromkeys(rows.index.get_level_values("wijk")):
        out.add_row(
            wijk, *(_cell(rows.loc[(wijk, name)], "participation_rate", diff=True) for name in others)
        )
    return out


def _cell(row: Any, unit: str, diff: bool = False) -> str:
    """A mean (or paired difference) with its interval, in the metric's unit."""
    mean, low, high = (
        (row.diff_mean, row.diff_ci_low, row.diff_ci_high) if diff else (row["mean"], row.ci_low, row.ci_high)
    )
    if math.isnan(mean):
        return "-"
    sign = "+" if diff else ""
    if unit == "participation_rate":
        fmt = lambda v: f"{100 * v:{sign}.2f} pp" if diff else f"{100 * v:.1f}%"  # noqa: E731
    elif unit == "euro":
        fmt = lambda v: f"{v / 1000:{sign},.0f}k"  # noqa: E731
    elif unit == "week":
        fmt = lambda v: f"week {v:.0f}"  # noqa: E731
    else:
        fmt = lambda v: f"{v:{sign},.1f}"  # noqa: E731
    if math.isnan(low) or low == high:
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(mean: float, low: float, high: float) -> str:
    """The mean and the half-width of its (symmetric) interval, in percent."""
    if math.isnan(low):
        return f"{mean:.1%}"
    return f"{mean:.1%} ± {(high - low) / 2:.1%}"
