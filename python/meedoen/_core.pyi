"""Bindings to the Meedoen engine (private; use the meedoen package)."""

from collections.abc import Callable, Mapping, Sequence
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from meedoen.errors import InputError as InputError

__version__: str
limits: dict[str, tuple[int, int] | tuple[float, float]]

class InterventionInfo(TypedDict):
    name: str
    type: str
    wijken: list[str]
    start_week: int
    end_week: int | None

class ReplicateParameters(TypedDict):
    names: list[str]
    values: npt.NDArray[np.float64]  # a row per replicate, a column per name
    origin: str

class Experiment:
    """A validated experiment: shared settings and the scenarios to compare."""

    @property
    def name(self) -> str: ...
    @property
    def weeks(self) -> int: ...
    @property
    def replicates(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def scale(self) -> float: ...
    @property
    def population_data(self) -> str: ...
    @property
    def source_path(self) -> str: ...
    @property
    def source_text(self) -> str: ...
    @property
    def wijk_names(self) -> list[str]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def scenario_names(self) -> list[str]: ...
    @property
    def parameter_values(self) -> dict[str, float | list[float]]: ...
    @property
    def replicate_parameters(self) -> ReplicateParameters | None: ...
    def with_overrides(
        self,
        *,
        weeks: int | None = None,
        replicates: int | None = None,
        seed: int | None = None,
        scale: float | None = None,
    ) -> Experiment: ...
    def with_parameters(
        self, values: Mapping[str, float | Sequence[float] | npt.ArrayLike], origin: str = "parameters"
    ) -> Experiment: ...
    def with_replicate_parameters(
        self, names: Sequence[str], values: npt.ArrayLike, origin: str
    ) -> Experiment: ...
    def select(self, names: Sequence[str], origin: str = "select") -> Experiment: ...
    def file_sets(self, name: str) -> bool: ...
    def parameter(
        self, name: str, scenario: str | None = None, intervention: str | None = None
    ) -> float | list[float]: ...
    def interventions(self, scenario: str) -> list[InterventionInfo]: ...
    def __getstate__(self) -> tuple[object, ...]: ...
    def __setstate__(self, state: tuple[object, ...]) -> None: ...

def load_experiment(path: str) -> Experiment: ...
def parse_experiment(text: str, path: str) -> Experiment: ...
def default_experiment() -> Experiment: ...
def run_experiment(
    experiment: Experiment,
    out_path: str,
    threads: int = 0,
    progress: Callable[[int, int], bool | None] | None = None,
    *,
    resume: bool = False,
    keep_parts: bool = False,
    coupled: bool = True,
) -> None:
    """Run every scenario and write ``out_path`` (see meedoen.run_to_file). ``progress(done,
    total)`` is called after each week of each scenario (done counts up to total) and, while the
    file is written, after each replicate and before the rename with done == total; returning
    False (or a pending Ctrl-C) stops the run there, leaving ``out_path`` as it was."""
def run_piece(
    experiment: Experiment, replicate: int, threads: int = 1, *, coupled: bool = True
) -> bytes:
    """Compute one replicate (0 .. replicates - 1) of every scenario; return its piece.

    The piece is the bytes a run keeps in ``out_path + '.parts'`` for that replicate, naming the
    run and the replicate. Nothing is written. The same bytes for any number of threads (0:
    OpenMP's default). The GIL is released while the engine runs. Raises InputError for a
    replicate out of range or bad input.
    """

def store_piece(experiment: Experiment, out_path: str, replicate: int, data: bytes) -> None:
    """Store a piece from run_piece (here or on another machine) in ``out_path + '.parts'``.

    Once every replicate is stored, ``run_experiment(experiment, out_path, resume=True)`` writes
    ``out_path`` without computing anything. Creates the folder if it holds no run yet, and opens
    it as a resumed run does otherwise (InputError if it holds another run). The piece is written
    under a temporary name and renamed when whole. Raises InputError, and writes nothing, for a
    replicate out of range or ``data`` that is not the whole piece of this experiment and
    replicate. Calls are serialised within a process; do not store into one folder from several
    processes at once.
    """

def parts_dir(out_path: str) -> str: ...
def outputs() -> list[dict[str, object]]: ...
def ledger_items() -> list[dict[str, object]]: ...

INTERVENTION_PAYER: str

class Parts:
    def close(self) -> None: ...
    def __enter__(self) -> Parts: ...
    def __exit__(self, *args: object) -> None: ...

def open_parts(experiment: Experiment, out_path: str, resume: bool = False) -> Parts: ...
def parameters() -> list[dict[str, object]]: ...
def parameters_markdown() -> str: ...
def parameter_relations() -> list[dict[str, object]]: ...
def command_line_setting(flag: str, text: str) -> int | float: ...
