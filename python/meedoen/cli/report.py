"""``meedoen report``: one self-contained HTML page with the plots and tables of a results file."""

import argparse
import sys
from pathlib import Path

from meedoen.cli.common import EXIT_FAILED, baseline_problems, output_problems, read_results
from meedoen.errors import InputError, flag_problem


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
    report.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check everything, then write the HTML report (under a temporary name, renamed)."""
    from meedoen.report import LANGUAGES, write_report  # here, not above: matplotlib takes a second to import

    out = Path(args.output)
    problems = output_problems(out)
    if out.exists() and out.resolve() == Path(args.results).resolve():
        problems.append(flag_problem("-o", f"{out} is the results file itself (another file for the report)"))
    if args.lang not in LANGUAGES:
        allowed = " or ".join(LANGUAGES)
        problems.append(flag_problem("--lang", f"value {args.lang} is not a report language ({allowed})"))
    try:
        results = read_results(args.results)
    except InputError as error:
        raise InputError(error.problems + problems) from None
    problems += baseline_problems(args.baseline, results)
    if problems:
        raise InputError(problems)
    try:
        write_report(results, out, lang=args.lang, baseline=args.baseline)
    except OSError as error:
        print(f"meedoen: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"report written to {out}")
    return 0
