"""One run of the app in a thread of its own, with its progress and a way to stop it.

The engine runs without the GIL and calls back between weeks; the callback records the
progress and returns False once ``cancel()`` was called, which stops the engine at the next
week (no results file is written then). After the run, the thread also computes what the
page shows: first the comparison table (``finished``), then the plots (``figures``, PNG data
URLs), so that the table is on the page while the plots are drawn and the server only formats.
"""

import base64
import io
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from meedoen import _core
from meedoen.compare import compare
from meedoen.errors import InputError
from meedoen.experiment import Experiment
from meedoen.results import Results, open_results

__all__ = ["Finished", "Job", "close_tab"]


@dataclass
class Finished:
    """A completed run: its scenario text, results file, results and comparison table."""

    text: str
    path: Path
    results: Results
    table: pd.DataFrame


class Job:
    """Runs ``experiment`` into ``folder/results.h5`` in a thread; poll ``fraction``, ``finished``,
    ``error`` and ``running``."""

    def __init__(self, experiment: Experiment, text: str, folder: Path, lang: str = "nl") -> None:
        self.experiment, self.text, self.folder, self.lang = experiment, text, folder, lang
        self.fraction = 0.0
        self.finished: Finished | None = None
        self.figures: list[str] = []
        self.error: str | None = None
        self.cancelled = False
        self._thread = threading.Thread(target=self._run, name="meedoen-app-run", daemon=True)

    def start(self) -> "Job":
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cancel(self) -> None:
        self.cancelled = True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def _progress(self, done: int, total: int) -> bool:
        self.fraction = done / total if total else 0.0
        return not self.cancelled

    def _run(self) -> None:
        out = self.folder / "results.h5"
        try:
            out.unlink(missing_ok=True)
            _core.run_experiment(self.experiment, str(out), 0, self._progress)
            if self.cancelled or not out.exists():
                return
            self.fraction = 1.0
            shutil.rmtree(_core.parts_dir(str(out)), ignore_errors=True)
            results = open_results(out)
            table = compare(results)
            self.finished = Finished(self.text, out, results, table)
            self.figures = figures(results, table, self.lang)
        except InputError as error:
            self.error = str(error)
        except Exception as error:  # shown on the page, not as a traceback
            self.error = f"{type(error).__name__}: {error}"
        finally:
            if self.cancelled:
                shutil.rmtree(_core.parts_dir(str(out)), ignore_errors=True)


def close_tab(job: Job | None, folder: Path, wait_seconds: float) -> str | None:
    """A browser tab closed: stop its run, wait up to ``wait_seconds`` for the engine to stop (it
    does at its next week), then remove the tab's ``folder``. Blocks; call it off the event loop.

    Returns the line for the server's log when a run was going, else None. Whether it was going is
    read before the stop is asked for, so a run that stops at once is still reported as stopped.
    """
    line = None
    if job is not None:
        running = job.running
        job.cancel()
        if running:
            job.wait(wait_seconds)
            line = f"a tab closed during its run; the run {'still stopping' if job.running else 'stopped'}."
    shutil.rmtree(folder, ignore_errors=True)
    return line


def session_folder() -> Path:
    """A private temporary folder for one browser tab's files."""
    return Path(tempfile.mkdtemp(prefix="meedoen-app-"))


def figures(results: Results, table: pd.DataFrame, lang: str) -> list[str]:
    """The report's plots of a comparison, as PNG data URLs."""
    from meedoen import plots  # matplotlib loads on first use

    made = [
        plots.participation_difference(results, lang=lang),
        plots.participation_by_wijk(results, lang=lang),
        plots.costs_and_savings(results, lang=lang, table=table),
        plots.cumulative_net_savings(results, lang=lang),
    ]
    return [_png(fig) for fig in made]


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
