"""Results of a run: the HDF5 file the engine writes, read into xarray.

The file holds one group per scenario (named after it) and provenance in its
root attributes; the root attribute ``scenarios`` lists the scenario names in
order, one per line, the baseline first. A run with per-replicate parameter
draws also has, at the root, the dataset ``parameter_draws`` (dims replicate,
parameter) and the attribute ``parameter_draws_origin``.
"""

import io
import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from meedoen import _core

__all__ = ["OUTPUTS", "Results", "open_results"]

#: Every output of a run, by name, as the engine declares it (docs/outputs.md): type, dims, units,
#: long_name, scales_with_population, per_scenario and label_units.
OUTPUTS: dict[str, dict] = {o["name"]: o for o in _core.outputs()}


class Results:
    """The results of one experiment, held in memory.

    Get one from ``meedoen.run()`` or ``meedoen.open_results(path)``.

    - ``scenarios``: the scenario names, the baseline first.
    - ``attrs``: the provenance (meedoen_version, git_commit, created_utc,
      experiment (the scenario file's text), seed, weeks, replicates, ...).
    - ``rung_counts``: adults on each rung, dims (scenario, replicate, week, wijk, rung).
    - ``program``: what each intervention did each week, dims (scenario, replicate, week,
      intervention, metric).
    - ``ledger``: euros spent each week, dims (scenario, replicate, week, item).
    - ``parameter_draws``: the per-replicate parameter values, dims (replicate, parameter),
      or None when the run had none.
    - ``variable(name)``: any output of docs/outputs.md declared per scenario, stacked over the
      scenarios; ``units(name, label)`` its units.
    - ``results[name]``: every variable of one scenario as an xarray.Dataset.
    - ``to_hdf5(path)``: writes the results file again, byte for byte.
    """

    def __init__(self, content: bytes) -> None:
        """Read results from the bytes of a results file (see open_results)."""
        self._content = content
        with h5py.File(io.BytesIO(content), "r") as f:
            self._attrs = {name: _plain(value) for name, value in f.attrs.items()}
        scenarios = self._attrs.get("scenarios")
        if not isinstance(scenarios, str):
            raise ValueError("not a Meedoen results file: it has no root attribute 'scenarios'")
        self._scenarios = scenarios.split("\n")
        self._groups = {name: _read_group(content, name) for name in self._scenarios}
        for name, group in self._groups.items():
            missing = [o for o, spec in OUTPUTS.items() if spec["per_scenario"] and o not in group]
            if missing:
                raise ValueError(f"not a Meedoen results file: scenario {name!r} has no {', '.join(missing)}")
        self._draws = _read_draws(content)

    @property
    def scenarios(self) -> list[str]:
        """The scenario names, the baseline first."""
        return list(self._scenarios)

    @property
    def attrs(self) -> dict[str, object]:
        """The root attributes of the results file (provenance)."""
        return dict(self._attrs)

    @property
    def rung_counts(self) -> xr.DataArray:
        """Adults (18+) on each rung, dims (scenario, replicate, week, wijk, rung)."""
        return self.variable("rung_counts")

    @property
    def program(self) -> xr.DataArray:
        """Per intervention and week: found, visited, accepted, enrolled, referred, completed,
        active, waiting (persons), budget_euros, then enrolled_rung_1 .. enrolled_rung_6 (those
        enrolled by their rung when enrolled; they add up to enrolled) and completed_rung_1 ..
        completed_rung_6 (those who completed by their rung then; they add up to completed);
        dims (scenario, replicate, week, intervention, metric). Select metrics by name. An
        intervention that a scenario does not have counts 0 there."""
        return self.variable("program")

    @property
    def ledger(self) -> xr.DataArray:
        """Euros spent each week (undiscounted) per item: each intervention (by its name) and
        each provision (``provision.*``); dims (scenario, replicate, week, item). An item that a
        scenario does not have is 0 there."""
        return self.variable("ledger")

    @property
    def parameter_draws(self) -> xr.DataArray | None:
        """The parameter values each replicate ran with (Experiment.with_replicate_parameters),
        dims (replicate, parameter), the ``parameter`` coordinate naming them and the attribute
        ``origin`` saying where they come from; None when the run had no draws. Each
        scenario's ``parameters`` attribute holds its values without the draws."""
        return self._draws

    def variable(self, name: str) -> xr.DataArray:
        """The output ``name`` (one declared per scenario in docs/outputs.md), dims (scenario, then
        the output's own). Where a scenario lacks a label of a dimension (an intervention it does
        not have), the value is 0."""
        spec = OUTPUTS.get(name)
        if spec is None or not spec["per_scenario"]:
            per_scenario = [o for o, s in OUTPUTS.items() if s["per_scenario"]]
            raise KeyError(f"{name!r} is not an output of every scenario (one of {', '.join(per_scenario)})")
        scenario = pd.Index(self._scenarios, name="scenario")
        parts = [self._groups[s][name] for s in self._scenarios]
        stacked = xr.concat(parts, dim=scenario, join="outer", fill_value=0)
        return stacked.astype(spec["type"])

    @staticmethod
    def units(name: str, label: str | None = None) -> str:
        """The units of output ``name``; of its values at ``label`` of its last dimension when
        given (``program``'s metric ``budget_euros`` is in euro, its other metrics in persons)."""
        spec = OUTPUTS[name]
        return str(spec["label_units"].get(label, spec["units"]))

    def __getitem__(self, scenario: str) -> xr.Dataset:
        """Every variable of one scenario, dims as in the file."""
        return self._groups[scenario]

    def to_hdf5(self, path: str | os.PathLike[str]) -> None:
        """Write the results file to ``path``: the same bytes that were read.

        Written beside the target under a temporary name and renamed when complete.
        """
        partial = Path(f"{os.fspath(path)}.partial")
        partial.write_bytes(self._content)
        partial.replace(path)

    def __repr__(self) -> str:
        a = self._attrs
        return (
            f"<Results: {len(self._scenarios)} scenarios ({', '.join(self._scenarios)}), "
            f"{a.get('weeks')} weeks, {a.get('replicates')} replicates, seed {a.get('seed')}>"
        )


def open_results(path: str | os.PathLike[str]) -> Results:
    """Read the results file at ``path`` into memory (the file may then be deleted).

    Raises FileNotFoundError when there is no such file and ValueError when it
    is not a Meedoen results file.
    """
    with open(path, "rb") as f:
        return Results(f.read())


def _read_group(content: bytes, group: str) -> xr.Dataset:
    with xr.open_dataset(io.BytesIO(content), group=group, engine="h5netcdf") as ds:
        return ds.load()


def _read_draws(content: bytes) -> xr.DataArray | None:
    with h5py.File(io.BytesIO(content), "r") as f:
        if "parameter_draws" not in f:
            return None
        origin = _plain(f.attrs.get("parameter_draws_origin", ""))
    with xr.open_dataset(io.BytesIO(content), engine="h5netcdf") as ds:
        draws = ds["parameter_draws"].load()
    draws.attrs["origin"] = origin
    return draws


def _plain(value: object) -> object:
    """An HDF5 attribute value as a plain Python value (str, int, float or list)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value
