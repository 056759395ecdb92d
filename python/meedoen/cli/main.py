"""The parser of ``meedoen`` and ``main``: each command's module adds its sub-parser."""

import argparse
import signal
import sys
from collections.abc import Sequence

from meedoen import __version__, interrupt
from meedoen.cli import app, breakeven, calibrate, compare, optimise, report, run, sensitivity, validate
from meedoen.cli.common import EXIT_INPUT, EXIT_INTERRUPTED, empty_value_problems
from meedoen.cli.console import print_problems
from meedoen.errors import InputError

COMMANDS = (run, validate, compare, breakeven, report, calibrate, sensitivity, optimise, app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); return the exit status."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `meedoen compare ... | head` ends quietly
    args = build_parser().parse_args(argv)
    try:
        if problems := empty_value_problems(args.command_parser, args):
            raise InputError(problems)
        with interrupt.catch():
            return args.handler(args)
    except InputError as error:
        print_problems(error.problems)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def entry() -> int:
    """The ``meedoen`` program: main(), and after Ctrl-C an exit at once with status 130
    (meedoen.interrupt.leave): nothing runs after the interrupt's message."""
    status = main()
    if status == EXIT_INTERRUPTED:
        interrupt.leave(status)
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: a sub-command per module of COMMANDS."""
    parser = argparse.ArgumentParser(
        prog="meedoen",
        description="Simulate participation in Leiden's social domain and compare policy scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"meedoen {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    for command_parser in commands.choices.values():
        command_parser.set_defaults(command_parser=command_parser)
    return parser
