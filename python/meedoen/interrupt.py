"""Ctrl-C on the command line: an interrupt that cannot be lost, and an exit that runs nothing after.

Python turns SIGINT into KeyboardInterrupt wherever the main thread is. Where that is a finaliser
or a weakref callback, Python prints "Exception ignored" with a traceback and goes on, and a
command would finish its work and write its output after the user stopped it. ``catch`` keeps a
record of the signal as well, and ``check`` (called between a command's steps: trials, model runs)
raises KeyboardInterrupt from that record; meanwhile the interrupt that was ignored is not printed
(``sys.unraisablehook``).
"""

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

__all__ = ["catch", "check", "leave"]

_received = False


@contextmanager
def catch() -> Iterator[None]:
    """While in the block, SIGINT raises KeyboardInterrupt and is remembered for ``check``. A SIGINT
    that is not Python's default (ignored in a background job, or a caller's own handler) is left
    as it is. The handler before is restored on leaving."""
    global _received
    _received = False
    before = signal.getsignal(signal.SIGINT)
    mine = before is signal.default_int_handler
    hook = sys.unraisablehook
    if mine:
        signal.signal(signal.SIGINT, _on_sigint)
        sys.unraisablehook = _quiet_interrupts(hook)
    try:
        yield
    finally:
        if mine:
            signal.signal(signal.SIGINT, before)
            sys.unraisablehook = hook


def _quiet_interrupts(hook: Any) -> Any:
    """``hook``, except for the KeyboardInterrupt of a SIGINT under ``catch`` that Python could not
    raise (in a finaliser or a weakref callback): the record keeps it for ``check``, the user sees
    no traceback."""

    def quiet(unraisable: Any) -> None:
        if _received and isinstance(unraisable.exc_value, KeyboardInterrupt):
            return
        hook(unraisable)

    return quiet


def _on_sigint(signum: int, frame: Any) -> None:
    global _received
    _received = True
    raise KeyboardInterrupt


def check() -> None:
    """Raise KeyboardInterrupt when a SIGINT came under ``catch``, even if the exception it raised
    then was lost."""
    if _received:
        raise KeyboardInterrupt


def leave(status: int) -> NoReturn:
    """End the process at once with ``status``, after flushing stdout and stderr: after an
    interrupt nothing is left to write, and the interpreter's finalisation (file handles, worker
    threads and clusters stopped halfway) is skipped rather than risked."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
