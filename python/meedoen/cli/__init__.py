"""The command line: ``meedoen run``, ``validate``, ``compare``, ``report``, ``calibrate`` and
``sensitivity``, one module each; ``main`` parses the arguments and calls the command's module.

Bad input never gives a traceback: one line per problem on stderr, as
``FILE:LINE: key: what is wrong (what is allowed)`` (``command line: --flag:
...`` for a flag), and exit status 2. Ctrl-C during a run exits with 130.
"""

from meedoen import interrupt

try:  # Ctrl-C while the commands load gives no traceback (interrupt.stopped_loading)
    from meedoen.cli.main import build_parser, entry, main
except KeyboardInterrupt as error:
    interrupt.stopped_loading(error)
    raise

__all__ = ["build_parser", "entry", "main"]
