"""What several commands share: exit statuses, flag checks, output files, reading a results file."""

import argparse
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from meedoen import _core
from meedoen.errors import InputError, Problem, flag_problem
from meedoen.results import Results, open_results

EXIT_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
MAX_THREADS = 1024
OUTPUT_ALLOWED = "(a file in an existing directory that you can write to)"
WHOLE, NUMBER = "a whole number", "a number"
# The experiment's settings that a flag may replace: the engine reads and checks their text.
ENGINE_SETTINGS = ("weeks", "replicates", "seed", "scale")


def flag_name(name: str) -> str:
    """The flag of an argparse destination: max_replicates -> --max-replicates."""
    return "--" + name.replace("_", "-")


def parse_flags(
    args: argparse.Namespace, kinds: dict[str, str]
) -> tuple[dict[str, int | float], list[Problem]]:
    """The values of the flags named in ``kinds`` (WHOLE or NUMBER) that were given, and a problem
    for each that is not of its kind. The experiment's settings are read and range-checked by the
    engine (_core.command_line_setting); range_problems checks the ranges of the others."""
    values: dict[str, int | float] = {}
    problems = []
    for name, kind in kinds.items():
        text = getattr(args, name)
        if text is None:
            continue
        if name in ENGINE_SETTINGS:
            try:
                values[name] = _core.command_line_setting(flag_name(name), text)
            except InputError as error:
                problems += error.problems
            continue
        try:
            values[name] = int(text) if kind == WHOLE else float(text)
        except ValueError:
            limits = flag_limits().get(name)
            allowed = f" ({range_text(kind, limits)})" if limits else ""
            problems.append(flag_problem(flag_name(name), f"value {text} is not {kind}{allowed}"))
    return values, problems


def flag_limits() -> dict[str, tuple[float, float]]:
    """The range of each flag that only the command line has (the engine checks the others)."""
    return {
        "threads": (0, MAX_THREADS),
        "max_replicates": _core.limits["replicates"],
        "workers": (1, MAX_THREADS),
    }


def range_text(kind: str, limits: tuple[float, float]) -> str:
    low, high = (f"{v:g}" if isinstance(v, float) else str(v) for v in limits)
    return f"{kind} from {low} to {high}"


def range_problems(
    args: argparse.Namespace, values: dict[str, int | float], kinds: dict[str, str]
) -> list[Problem]:
    """A problem for each value out of its flag's range (flag_limits); those values are dropped.
    The engine has already checked the experiment's settings (parse_flags)."""
    problems = []
    for name, value in list(values.items()):
        if name in ENGINE_SETTINGS:
            continue
        low, high = flag_limits()[name]
        if not low <= value <= high:
            allowed = range_text(kinds[name], (low, high))
            message = f"value {getattr(args, name)} is out of range ({allowed})"
            problems.append(flag_problem(flag_name(name), message))
            del values[name]
    return problems


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


def workers_problems(args: argparse.Namespace) -> list[Problem]:
    """What is wrong with --workers: not a number from 1 to MAX_THREADS, or given with --scheduler."""
    if args.workers is None:
        return []
    if args.scheduler:
        message = "cannot be combined with --scheduler (its cluster has its workers)"
        return [flag_problem("--workers", message)]
    kinds = {"workers": WHOLE}
    values, problems = parse_flags(args, kinds)
    return problems or range_problems(args, values, kinds)


def empty_value_problems(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Problem]:
    """A problem for each flag or argument (a file) of ``parser`` given as empty text: no file,
    address, name or number is empty, and ``-o ""`` would otherwise read as no -o at all (its
    default)."""
    problems = []
    for action in parser._actions:  # argparse has no public list of a parser's flags
        value = getattr(args, action.dest, None)
        if not (value == "" or (isinstance(value, list) and "" in value)):
            continue
        if action.option_strings:
            message = "is empty (a value, or leave the flag out for its default)"
            problems.append(flag_problem(action.option_strings[0], message))
        else:
            problems.append(flag_problem(str(action.metavar or action.dest), "is empty (a file name)"))
    return problems


# What each kind of output file may be called: a name that says another kind (a report named
# leiden.h5) would replace a file of that kind with one that is not.
HDF5_SUFFIXES = (".h5", ".hdf5", ".nc")
HTML_SUFFIXES = (".html", ".htm")
CSV_SUFFIXES = (".csv",)
PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def output_problems(
    out: Path, flag: str = "-o", inputs: Iterable[str | None] = (), suffixes: tuple[str, ...] = ()
) -> list[Problem]:
    """Why the output file of ``flag`` cannot be written to ``out``, if it cannot: among others,
    when it is one of the command's ``inputs`` (files it reads; None for one not given), or when
    its name does not end in one of ``suffixes`` (case aside; any name when empty)."""
    for name in inputs:
        if name is not None and out.exists() and Path(name).exists() and out.samefile(name):
            return [flag_problem(flag, f"{out} is an input of this command (another file for the output)")]
    if suffixes and out.suffix.lower() not in suffixes:
        allowed = " or ".join([", ".join(suffixes[:-1]), suffixes[-1]] if len(suffixes) > 1 else suffixes)
        return [flag_problem(flag, f"{out} does not end in {allowed} (a file name ending in {allowed})")]
    parent = out.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        return [flag_problem(flag, f"directory {parent} {what} {OUTPUT_ALLOWED}")]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [flag_problem(flag, f"directory {parent} is not writable {OUTPUT_ALLOWED}")]
    if out.is_dir():
        return [flag_problem(flag, f"{out} is a directory {OUTPUT_ALLOWED}")]
    return []


def make_directory(directory: Path) -> None:
    """Create the default output directory (results/) if need be; InputError if that fails."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = f"cannot create directory {directory}: {error.strerror} {OUTPUT_ALLOWED}"
        raise InputError([flag_problem("-o", message)]) from None


def write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    """``write(OUT.partial)``, then rename it to ``out``: ``out`` is whole or as it was."""
    partial = out.with_name(out.name + ".partial")
    try:
        write(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def read_results(path: str) -> Results:
    """The results file at ``path``; InputError naming it when it cannot be read as one."""
    allowed = "(a results file of meedoen run)"
    try:
        return open_results(path)
    except FileNotFoundError:
        raise InputError([Problem(path, 0, "(file)", f"does not exist {allowed}")]) from None


def baseline_problems(baseline: str | None, results: Results) -> list[Problem]:
    """A problem when --baseline names no scenario of ``results``."""
    if baseline is None or baseline in results.scenarios:
        return []
    return [flag_problem("--baseline", f"no scenario {baseline} (one of: {', '.join(results.scenarios)})")]
