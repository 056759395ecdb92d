"""The error raised for bad input: a scenario file, a data file or a setting."""

from collections.abc import Iterable


class InputError(ValueError):
    """Bad input, with every problem found in it.

    ``problems`` holds one line per problem, ``FILE:LINE: key: what is wrong
    (what is allowed)``; ``str(error)`` is those lines joined by newlines.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[type["InputError"], tuple[list[str]]]:
        return type(self), (self.problems,)
