"""Results of a run: the HDF5 file the engine writes, read into xarray.

The file holds one group per scenario (named after it) and provenance in its
root attributes; the root attribute ``scenarios`` lists the scenario names in
order, one per line, the baseline first. A run with per-replicate parameter
draws also has, at the root, the dataset ``parameter_draws`` (dims replicate,
parameter) and the attribute ``parameter_draws_origin``.
"""

import io
import json
import os
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from meedoen import _core
from meedoen.errors import InputError, Problem

__all__ = ["OUTPUTS", "Results", "ResultsFileError", "city_units", "open_results"]

#: Every output of a run, by name, as the engine declares it (docs/outputs.md): type, dims, units,
#: long_name, scales_with_population, per_scenario and label_units.
OUTPUTS: dict[str, dict] = {o["name"]: o for o in _core.outputs()}

NOT_READABLE = "not a readable Meedoen results file"
# What a results file must hold beyond the outputs (OUTPUTS, with their dims): the root
# attributes and their types, and the JSON attributes.
ROOT_ATTRIBUTES = {"scenarios": str, "experiment": str, "weeks": int, "replicates": int, "seed": int}
KINDS = {str: "text", int: "a whole number"}
VARIABLES = {o["name"]: tuple(o["dims"]) for o in OUTPUTS.values() if o["per_scenario"]}
JSON_ATTRIBUTES = {"root": ("parameter_values",), "scenario": ("parameters",)}
PARAMETER_NAMES = frozenset(p["name"] for p in _core.parameters())


class ResultsFileError(ValueError):
    """The bytes are not a readable Meedoen results file; the message says what is wrong."""


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
    - ``scale``: the share of the residents simulated. Counts of persons and euros are in city
      units: at scale 0.2 one simulated resident stands for five, so they are the stored counts
      divided by the scale (city_units). ``variable(name, raw=True)`` and
      ``dataset(name, raw=True)`` give the counts as stored.
    - ``to_hdf5(path)``: writes the results file again, byte for byte.
    """

    def __init__(self, content: bytes) -> None:
        """Read results from the bytes of a results file (see open_results); ResultsFileError
        (a ValueError) saying what is wrong when they are not a whole, readable one."""
        self._content = content
        try:
            self._read(content)
        except ResultsFileError:
            raise
        except Exception as error:  # whatever h5py, h5netcdf, xarray or json make of damaged bytes
            raise ResultsFileError(_reason(error)) from None

    def _read(self, content: bytes) -> None:
        with h5py.File(io.BytesIO(content), "r") as f:
            self._attrs = {name: _plain(value) for name, value in f.attrs.items()}
            _check_root(self._attrs)
            self._scenarios = str(self._attrs["scenarios"]).split("\n")
            for name in self._scenarios:
                if not isinstance(f.get(name), h5py.Group):
                    raise ResultsFileError(f"it has no group for scenario '{name}'")
        self._groups = {name: _read_group(content, name) for name in self._scenarios}
        self._draws = _read_draws(content)
        _check_groups(self._groups, self._attrs, self._draws)

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

    @property
    def scale(self) -> float:
        """The share of the residents simulated (the root attribute ``scale``; 1 when absent)."""
        return float(self.attrs.get("scale", 1.0))  # type: ignore[arg-type]

    def variable(self, name: str, raw: bool = False) -> xr.DataArray:
        """The output ``name`` (one declared per scenario in docs/outputs.md), dims (scenario, then
        the output's own), in city units (city_units), or as stored with ``raw``. Where a scenario
        lacks a label of a dimension (an intervention it does not have), the value is 0."""
        spec = OUTPUTS.get(name)
        if spec is None or not spec["per_scenario"]:
            per_scenario = [o for o, s in OUTPUTS.items() if s["per_scenario"]]
            raise KeyError(f"{name!r} is not an output of every scenario (one of {', '.join(per_scenario)})")
        scenario = pd.Index(self._scenarios, name="scenario")
        parts = [self._groups[s][name] for s in self._scenarios]
        stacked = xr.concat(parts, dim=scenario, join="outer", fill_value=0).astype(spec["type"])
        return stacked if raw else city_units(stacked, self.scale)

    @staticmethod
    def units(name: str, label: str | None = None) -> str:
        """The units of output ``name``; of its values at ``label`` of its last dimension when
        given (``program``'s metric ``budget_euros`` is in euro, its other metrics in persons)."""
        spec = OUTPUTS[name]
        return str(spec["label_units"].get(label, spec["units"]))

    def __getitem__(self, scenario: str) -> xr.Dataset:
        """Every variable of one scenario, dims as in the file, in city units (``dataset``)."""
        return self.dataset(scenario)

    def dataset(self, scenario: str, raw: bool = False) -> xr.Dataset:
        """Every variable of one scenario, dims as in the file, in city units (city_units), or as
        stored with ``raw``."""
        ds = self._groups[scenario]
        return ds if raw else ds.map(city_units, scale=self.scale, keep_attrs=True)

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


def city_units(values: xr.DataArray, scale: float) -> xr.DataArray:
    """An output (named as in docs/outputs.md) in city units: at ``scale`` one simulated resident
    stands for 1 / scale residents, so a count of persons or euros (``scales_with_population``)
    is divided by the scale. Other outputs, and every output at scale 1, come as stored."""
    spec = OUTPUTS.get(str(values.name))
    if scale == 1.0 or spec is None or not spec["scales_with_population"]:
        return values
    with xr.set_options(keep_attrs=True):
        return values / scale


def open_results(path: str | os.PathLike[str]) -> Results:
    """Read the results file at ``path`` into memory (the file may then be deleted).

    Every reader of a results file comes here. Raises FileNotFoundError when there is no such
    file, and meedoen.InputError (a ValueError) ``FILE: (file): not a readable Meedoen results
    file (what is wrong)`` for any other file: not HDF5, cut short, damaged (an unreadable
    attribute or dataset, a group, dataset or attribute missing, shapes that do not fit), or
    one that cannot be read at all.
    """
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            content = f.read()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _unreadable(name, error.strerror or str(error)) from None
    try:
        return Results(content)
    except ResultsFileError as error:
        raise _unreadable(name, str(error)) from None


def read_program(path: str | os.PathLike[str], scenario: str) -> xr.DataArray:
    """One scenario's program data, as ``open_results(path)[scenario].program`` (city units), read
    alone (a calibration reads thousands of short runs). The root attributes and the dataset's dims
    are checked as open_results checks them; meedoen.InputError likewise."""
    name = os.fspath(path)
    try:
        with h5py.File(path, "r") as f:
            _check_root({key: _plain(value) for key, value in f.attrs.items()})
            group = f[scenario]
            data = group["program"]
            dims = tuple(f[refs[0]].name.rsplit("/", 1)[-1] for refs in data.attrs["DIMENSION_LIST"])
            if dims != VARIABLES["program"]:
                raise ResultsFileError(f"scenario '{scenario}': 'program' has dims {dims}")
            coords = {dim: _coordinate(group[dim][()]) for dim in dims}
            program = xr.DataArray(data[()], dims=dims, coords=coords, name="program")
            return city_units(program, float(_plain(f.attrs.get("scale", 1.0))))  # type: ignore[arg-type]
    except ResultsFileError as error:
        raise _unreadable(name, str(error)) from None
    except Exception as error:  # as in Results: whatever damaged bytes make of the readers
        raise _unreadable(name, _reason(error)) from None


def _coordinate(values: np.ndarray) -> np.ndarray:
    """A coordinate as xarray decodes it: names as str, numbers as they are."""
    return np.array([_plain(v) for v in values]) if values.dtype == object else values


def _unreadable(name: str, reason: str) -> InputError:
    return InputError([Problem(name, 0, "(file)", f"{NOT_READABLE} ({reason})")])


def _reason(error: Exception) -> str:
    """What an exception from reading damaged bytes says, in one short line."""
    text = str(error).splitlines()[0] if str(error) else ""
    if cut := re.search(r"truncated file: eof = (\d+).*stored_eof = (\d+)", text):
        return f"cut short: {cut[1]} of its {cut[2]} bytes"
    if "file signature not found" in text:
        return "not an HDF5 file"
    if isinstance(error, OSError):  # HDF5's own: a damaged header, B-tree or compressed chunk
        return f"damaged: {text.replace('synchronously ', '')}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _check_root(attrs: dict[str, object]) -> None:
    """ResultsFileError unless the root attributes are there, of their types, JSON where JSON."""
    for name, kind in ROOT_ATTRIBUTES.items():
        if name not in attrs:
            raise ResultsFileError(f"it has no root attribute '{name}'")
        if not isinstance(attrs[name], kind) or isinstance(attrs[name], bool):
            raise ResultsFileError(f"its root attribute '{name}' is not {KINDS[kind]}")
    names = str(attrs["scenarios"]).split("\n")
    if not all(names) or len(set(names)) != len(names):
        raise ResultsFileError("its root attribute 'scenarios' does not name each scenario once")
    for name in JSON_ATTRIBUTES["root"]:
        _check_json(attrs.get(name), f"its root attribute '{name}'")


def _check_json(value: object, what: str, keys: frozenset[str] | None = None) -> None:
    """ResultsFileError unless ``value`` is JSON text (UTF-8) holding an object whose keys are
    among ``keys``, when given."""
    if value is None:
        return
    text = str(value)
    try:
        if re.search("[\udc80-\udcff]", text):  # h5py's stand-ins for bytes that are not UTF-8,
            raise ValueError("not UTF-8")  # which JSON text must be (RFC 8259)
        parsed = json.loads(text)
    except ValueError:
        raise ResultsFileError(f"{what} is damaged: not JSON") from None
    if not isinstance(parsed, dict):
        raise ResultsFileError(f"{what} is damaged: not a JSON object")
    if keys is not None and not keys.issuperset(parsed):
        raise ResultsFileError(f"{what} is damaged: it names parameters the model does not have")


def _check_groups(groups: dict[str, xr.Dataset], attrs: dict[str, object], draws: xr.DataArray | None) -> None:
    """ResultsFileError unless each scenario has the variables Results shows, with their dims,
    every variable fits its coordinates, the replicates and weeks agree across scenarios and with
    the root attributes, and the euros are finite numbers."""
    replicates = int(attrs["replicates"])  # type: ignore[call-overload]
    weeks = None
    for name, ds in groups.items():
        where = f"scenario '{name}'"
        for attribute in JSON_ATTRIBUTES["scenario"]:
            _check_json(ds.attrs.get(attribute), f"the attribute '{attribute}' of {where}", PARAMETER_NAMES)
        for variable, dims in VARIABLES.items():
            if variable not in ds.data_vars:
                raise ResultsFileError(f"{where} has no dataset '{variable}'")
            if ds[variable].dims != dims:
                raise ResultsFileError(f"{where}: '{variable}' has dims {ds[variable].dims}, not {dims}")
        if ds.sizes.get("replicate") != replicates:
            raise ResultsFileError(f"{where} has {ds.sizes.get('replicate')} replicates, not {replicates}")
        week = ds["week"].values
        if weeks is None:
            weeks = week
        elif not np.array_equal(week, weeks):
            raise ResultsFileError(f"{where} has other weeks than scenario '{next(iter(groups))}'")
        if not np.isfinite(ds["ledger"].values).all():
            raise ResultsFileError(f"{where}: 'ledger' holds a value that is not a finite number")
    if draws is not None and draws.sizes.get("replicate") != replicates:
        raise ResultsFileError(f"'parameter_draws' has {draws.sizes.get('replicate')} rows, not {replicates}")


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
