"""Ctrl-C on the command line: an interrupt that cannot be lost, and an exit that runs nothing after.

Python turns SIGINT into KeyboardInterrupt wherever the main thread is. Where that is a finaliser
or a weakref callback, Python prints "Exception ignored" with a traceback and goes on, and a
command would finish its work and write its output after the user stopped it. ``catch`` keeps a
record of the signal as well, and ``check`` (called between a command's steps: trials, model runs)
raises KeyboardInterrupt from that record; meanwhile the interrupt that was ignored is not printed
(``sys.unraisablehook``). Inside ``deferred`` (a journal being written under its lock file) the
signal is only recorded, and raised when the block is left; inside ``polled`` (the engine) the
block's code checks it where stopping is safe.
"""

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

__all__ = ["catch", "check", "deferred", "leave", "polled", "received", "stopped_loading"]

_received = False
_deferring = 0  # depth of ``deferred`` blocks in the main thread, where Python runs signal handlers


@contextmanager
def catch() -> Iterator[None]:
    """While in the block, SIGINT raises KeyboardInterrupt and is remembered for ``check``. A SIGINT
    that is not Python's default (ignored in a background job, or a caller's own handler) is left
    as it is. The handler before is restored on leaving, and the record cleared."""
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
        _received = False


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
    if not _deferring:
        raise KeyboardInterrupt


@contextmanager
def polled() -> Iterator[None]:
    """A block that a SIGINT under ``catch`` does not break into: the signal is only recorded, and
    the block's own code decides where to stop (``check``), such as the engine, which asks between
    weeks and before it renames its output. Other threads: no effect, since Python delivers
    signals to the main thread."""
    global _deferring
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1


@contextmanager
def deferred() -> Iterator[None]:
    """``polled``, and the interrupt raised when the (outermost) block is left: work that must not
    stop halfway (a file lock taken and released) finishes first."""
    with polled():
        yield
    if not _deferring:
        check()


def received() -> bool:
    """Whether a SIGINT came under ``catch`` (raised or not)."""
    return _received


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


def stopped_loading(error: KeyboardInterrupt) -> None:
    """Where Ctrl-C stops the package while it loads (a command stopped at once): when ``error``
    reaches the top of the program uncaught, "interrupted" and exit status 130, as for a command's
    own Ctrl-C, instead of the import's traceback. Any other exception is shown as before."""
    shown = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, traceback: Any) -> None:
        if value is not error:
            shown(kind, value, traceback)
            return
        print("interrupted", file=sys.stderr)
        leave(130)

    sys.excepthook = hook
