"""The error raised for bad input (a scenario file, a data file or a setting), and its problems."""

from collections.abc import Iterable

__all__ = ["COMMAND_LINE", "InputError", "Problem", "decode_utf8", "flag_problem"]

COMMAND_LINE = "command line"  # the "file" of a problem with a flag


class Problem(str):
    """One problem of bad input, as a record: ``file``, ``line`` (0: none), ``key`` and
    ``message`` (what is wrong, then what is allowed in parentheses).

    It is also its one line of text, ``FILE:LINE: key: message`` (``FILE: key: message``
    without a line; key ``(file)`` when the problem is with the file as a whole), the form
    every command prints, so that it compares equal to that line.
    """

    file: str
    line: int
    key: str
    message: str

    def __new__(cls, file: str, line: int, key: str, message: str) -> "Problem":
        where = f"{file}:{line}" if line > 0 else f"{file}"
        self = super().__new__(cls, f"{where}: {key or '(file)'}: {message}")
        self.file, self.line, self.key, self.message = str(file), int(line), key or "(file)", message
        return self

    def __reduce__(self) -> tuple[type["Problem"], tuple[str, int, str, str]]:
        return type(self), (self.file, self.line, self.key, self.message)


def flag_problem(flag: str, message: str) -> Problem:
    """A problem with a command-line flag: ``command line: FLAG: message``."""
    return Problem(COMMAND_LINE, 0, flag, message)


def decode_utf8(data: bytes, name: str, what: str) -> str:
    """``data`` (the bytes of the file ``name``, a BOM allowed) as text; InputError
    ``FILE:LINE: (file): is not UTF-8 text (...)`` at the first line that is not UTF-8.
    ``what`` says what the file is ("a pilot CSV file")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problem = Problem(name, line, "(file)", f"is not UTF-8 text ({what} in UTF-8; save it as UTF-8)")
        raise InputError([problem]) from None


class InputError(ValueError):
    """Bad input, with every problem found in it.

    ``problems`` holds the Problem records, in the order to show them; ``str(error)``
    is their lines joined by newlines. Raises TypeError for a problem that is not a record.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        strays = [p for p in self.problems if not isinstance(p, Problem)]
        if strays:
            raise TypeError(f"InputError takes Problem records, not {type(strays[0]).__name__}: {strays[0]!r}")
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[type["InputError"], tuple[list[Problem]]]:
        return type(self), (self.problems,)
