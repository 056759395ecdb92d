"""``meedoen app``: a local web app to build a scenario, compare it with the baseline and take
the result away."""

import argparse

from meedoen.cli.common import EXIT_INPUT
from meedoen.cli.console import print_problems
from meedoen.errors import flag_problem
from meedoen.experiment import load_experiment

DEFAULT_SCENARIO = "scenarios/leiden.toml"
PORT_LIMITS = (0, 65535)


def add_parser(commands: argparse._SubParsersAction) -> None:
    app = commands.add_parser(
        "app",
        help="a local web app: build a scenario, compare it with the baseline, take the result away",
        description="Start a web app on this computer (127.0.0.1, the address printed) in which "
        "scenarios are built from SCENARIO.toml or the baseline, run against the baseline and "
        "downloaded as a scenario file, a results file and a report. Ctrl-C stops it.",
    )
    app.add_argument(
        "scenario", metavar="SCENARIO.toml", nargs="?", default=DEFAULT_SCENARIO,
        help=f"the scenario file to start from (default: {DEFAULT_SCENARIO})",
    )
    app.add_argument("--host", default="127.0.0.1",
                     help="the address to listen on (default 127.0.0.1: this computer only)")
    app.add_argument("--port", type=int, default=8050, help="the port (default 8050)")
    app.add_argument("--lang", default="nl", help="the language of the page: nl (default) or en")
    app.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check the flags and the scenario file, then serve the app until Ctrl-C."""
    from meedoen.app.serve import serve
    from meedoen.app.texts import LANGUAGES

    problems = []
    if args.lang not in LANGUAGES:
        problems.append(flag_problem("--lang", f"value {args.lang} is not a language of the app (nl or en)"))
    if not PORT_LIMITS[0] < args.port <= PORT_LIMITS[1]:
        problems.append(flag_problem("--port", f"value {args.port} is out of range (1 to {PORT_LIMITS[1]})"))
    if problems:
        print_problems(problems)
        return EXIT_INPUT
    serve(load_experiment(args.scenario), args.host, args.port, args.lang)
    return 0
