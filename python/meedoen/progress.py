"""A progress bar on stderr for a run (rich)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress_bar(what: str = "simulating", unit: str = "weeks") -> Iterator[Callable[..., None]]:
    """Show a progress bar on stderr while the block runs; yield its update(done, total, what=None),
    where ``what``, when given, replaces the words before the bar.

    By default the work is counted in simulated weeks (scenarios x replicates x
    weeks). The bar disappears when the block ends.
    """
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit, markup=False),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int | None, what: str | None = None) -> None:
            bar.update(task, completed=done, total=total, **({"description": what} if what else {}))

        yield update
