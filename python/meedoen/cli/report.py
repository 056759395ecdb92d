"""``meedoen report``: one self-contained HTML page with the plots and tables of a results file."""

import argparse
import sys
from pathlib import Path

import pandas as pd

from meedoen.breakeven import read_table
from meedoen.cli import console
from meedoen.cli.common import (
    EXIT_FAILED,
    HTML_SUFFIXES,
    baseline_problems,
    output_problems,
    read_results,
)
from meedoen.errors import InputError, flag_problem
from meedoen.results import Results


def add_parser(commands: argparse._SubParsersAction) -> None:
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
    report.add_argument(
        "--break-even",
        metavar="TABLE.csv",
        help="add the effect needed to break even: a table of meedoen breakeven (docs/guide/breakeven.md)",
    )
    report.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check everything, then write the HTML report (under a temporary name, renamed)."""
    from meedoen.report import LANGUAGES, write_report  # here, not above: matplotlib takes a second to import

    out = Path(args.output)
    problems = output_problems(out, inputs=(args.results, args.break_even), suffixes=HTML_SUFFIXES)
    if args.lang not in LANGUAGES:
        allowed = " or ".join(LANGUAGES)
        problems.append(flag_problem("--lang", f"value {args.lang} is not a report language ({allowed})"))
    try:
        results = read_results(args.results)
    except InputError as error:
        raise InputError(error.problems + problems) from None
    problems += baseline_problems(args.baseline, results)
    break_even = None
    if args.break_even:
        try:
            break_even = breakeven_table(args.break_even, args.baseline or results.scenarios[0], results)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    try:
        with console.working(f"writing the report of {args.results} (tables and figures)"):
            write_report(results, out, lang=args.lang, baseline=args.baseline, break_even=break_even)
    except OSError as error:
        print(f"meedoen: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"report written to {out}")
    return 0


def breakeven_table(path: str, baseline: str, results: Results) -> pd.DataFrame:
    """The table of ``--break-even``, of the report's scenarios, horizon and ``baseline``
    (InputError otherwise)."""
    table = read_table(path)
    problems = []
    if len(table) and (table.baseline != baseline).any():
        against = ", ".join(dict.fromkeys(table.baseline.astype(str)))
        message = f"the table is against {against}, the report against {baseline}"
        problems.append(message + " (the same --baseline for both)")
    if others := [s for s in dict.fromkeys(table.scenario.astype(str)) if s not in results.scenarios]:
        problems.append(f"the table has scenarios that the results do not ({', '.join(others)})")
    weeks = int(results.attrs.get("weeks", 0))
    if len(table) and (table.weeks != weeks).any():
        horizons = ", ".join(f"{w:g}" for w in dict.fromkeys(table.weeks))
        problems.append(f"the table is of {horizons} weeks, the results of {weeks} (the same horizon for both)")
    if problems:
        raise InputError([flag_problem("--break-even", p) for p in problems])
    return table
