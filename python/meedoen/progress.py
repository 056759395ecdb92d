"""A progress bar on stderr for a run (rich)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress_bar(what: str = "simulating", unit: str = "weeks") -> Iterator[Callable[[int, int], None]]:
    """Show a progress bar on stderr while the block runs; yield its update(done, total).

    By default the work is counted in simulated weeks (scenarios x replicates x
    weeks). The bar disappears when the block ends.
    """
    columns = (
        TextColumn(what, markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit, markup=False),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("run", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
