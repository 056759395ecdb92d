"""Results of a run: the HDF5 file the engine writes, read lazily into xarray.

The file holds one group per scenario (named after it) and provenance in its
root attributes; the root attribute ``scenarios`` lists the scenario names in
order, one per line, the baseline first. A run with per-replicate parameter
draws also has, at the root, the dataset ``parameter_draws`` (dims replicate,
parameter) and the attribute ``parameter_draws_origin``.

Opening a file reads its attributes, coordinates and layout; each output is a
Dask array of whole replicates, read (and checked) block by block when it is
computed, so that memory does not grow with the replicates.
"""

import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import BinaryIO

import dask.array
import h5netcdf
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
FINITE = ("ledger",)  # the outputs whose values must be finite numbers (euros)
# A block of an output as Dask reads and computes it: whole replicates, about this many bytes. What
# a computation holds at once is a few blocks per thread, whatever the number of replicates.
BLOCK_BYTES = 1 << 20
CHUNK_CACHE = 0  # HDF5's cache of decompressed chunks, per dataset: each chunk is read once per block
JSON_ATTRIBUTES = {"root": ("parameter_values",), "scenario": ("parameters",)}
PARAMETER_NAMES = frozenset(p["name"] for p in _core.parameters())


class ResultsFileError(ValueError):
    """The bytes are not a readable Meedoen results file; the message says what is wrong."""


class Results:
    """The results of one experiment, read from its file as they are used.

    Get one from ``meedoen.run()`` or ``meedoen.open_results(path)``. The outputs are xarray
    objects over Dask arrays: selections and reductions (``.sel``, ``.sum``, ``.mean``) stay lazy
    until ``.values``, ``.compute()`` or ``.load()`` reads them, block by block.

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

    def __init__(self, file: BinaryIO, name: str) -> None:
        """Open the results file ``file`` (a binary file on disk, open for reading; it stays open
        while the results are in use), called ``name`` in messages. ResultsFileError (a
        ValueError) saying what is wrong when its layout is not that of a whole, readable one;
        a block of data that turns out damaged when it is read raises meedoen.InputError (see
        open_results)."""
        self._file = file
        try:
            self._read(h5py.File(file, "r", rdcc_nbytes=CHUNK_CACHE), name)
        except ResultsFileError:
            raise
        except Exception as error:  # whatever h5py, h5netcdf, xarray or json make of damaged bytes
            raise ResultsFileError(damage_reason(error)) from None

    def _read(self, f: h5py.File, name: str) -> None:
        self._attrs = {key: _plain(value) for key, value in f.attrs.items()}
        _check_root(self._attrs)
        self._scenarios = str(self._attrs["scenarios"]).split("\n")
        for scenario in self._scenarios:
            if not isinstance(f.get(scenario), h5py.Group):
                raise ResultsFileError(f"it has no group for scenario '{scenario}'")
        netcdf = h5netcdf.File(f, "r")
        self._groups = {scenario: _read_group(netcdf, scenario, name) for scenario in self._scenarios}
        self._draws = _read_draws(netcdf)
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
        """Write the results file to ``path``: the same bytes as the file that was opened.

        Written beside the target under a temporary name and renamed when complete.
        """
        partial = Path(f"{os.fspath(path)}.partial")
        with open(partial, "wb") as out:
            _copy(self._file, out)
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
    """Open the results file at ``path``: its attributes, coordinates and layout are read and
    checked now, its data as it is used (the file stays open meanwhile, and may be deleted).

    Every reader of a results file comes here. Raises FileNotFoundError when there is no such
    file, and meedoen.InputError (a ValueError) ``FILE: (file): not a readable Meedoen results
    file (what is wrong)`` for any other file: not HDF5, cut short, damaged (an unreadable
    attribute or dataset, a group, dataset or attribute missing, shapes that do not fit), or
    one that cannot be read at all. A block of data that is damaged (a compressed chunk that
    does not decompress, euros that are not finite numbers) raises the same InputError when a
    computation reads it.
    """
    name = os.fspath(path)
    try:
        file = open(path, "rb")  # noqa: SIM115: open while the results are in use
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _unreadable(name, error.strerror or str(error)) from None
    try:
        return Results(file, name)
    except ResultsFileError as error:
        file.close()
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
        raise _unreadable(name, damage_reason(error)) from None


def _coordinate(values: np.ndarray) -> np.ndarray:
    """A coordinate as xarray decodes it: names as str, numbers as they are."""
    return np.array([_plain(v) for v in values]) if values.dtype == object else values


def _unreadable(name: str, reason: str) -> InputError:
    return InputError([Problem(name, 0, "(file)", f"{NOT_READABLE} ({reason})")])


def damage_reason(error: Exception) -> str:
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
    """ResultsFileError unless the root attributes are there, of their types, JSON where JSON, and
    ``scale`` (when there) a number within the engine's range."""
    for name, kind in ROOT_ATTRIBUTES.items():
        if name not in attrs:
            raise ResultsFileError(f"it has no root attribute '{name}'")
        if not isinstance(attrs[name], kind) or isinstance(attrs[name], bool):
            raise ResultsFileError(f"its root attribute '{name}' is not {KINDS[kind]}")
    if "scale" in attrs:  # optional (1 when absent); the counts and euros are divided by it
        scale, (low, high) = attrs["scale"], _core.limits["scale"]
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not low <= scale <= high:
            allowed = f"a number from {low:g} to {high:g}"
            raise ResultsFileError(f"its root attribute 'scale' is {scale!r}, not {allowed}")
    names = str(attrs["scenarios"]).split("\n")
    if not all(names) or len(set(names)) != len(names):
        raise ResultsFileError("its root attribute 'scenarios' does not name each scenario once")
    for name in JSON_ATTRIBUTES["root"]:
        _check_json(attrs.get(name), f"its root attribute '{name}'")
    try:  # the scenario file's text, which the report and --resume read again
        tomllib.loads(str(attrs["experiment"]))
    except tomllib.TOMLDecodeError:
        raise ResultsFileError("its root attribute 'experiment' is damaged: not TOML") from None


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
    every variable fits its coordinates, and the replicates and weeks agree across scenarios and
    with the root attributes (the values are checked as they are read: _Blocks)."""
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
    if draws is not None and draws.sizes.get("replicate") != replicates:
        raise ResultsFileError(f"'parameter_draws' has {draws.sizes.get('replicate')} rows, not {replicates}")


def _read_group(f: h5netcdf.File, group: str, name: str) -> xr.Dataset:
    """One scenario's group: its coordinates and attributes read, its outputs lazy (_Blocks)."""
    ds = xr.open_dataset(xr.backends.H5NetCDFStore(f, group=group), cache=False)
    return ds.copy(data={key: _lazy(_Blocks(ds[key].variable, name, group, key)) for key in ds.data_vars})


def _lazy(blocks: "_Blocks") -> dask.array.Array:
    """An output as a Dask array of blocks of whole replicates (BLOCK_BYTES each)."""
    replicate = blocks.dtype.itemsize * math.prod(blocks.shape[1:])
    chunks = (max(1, BLOCK_BYTES // max(replicate, 1)), *(-1,) * (blocks.ndim - 1))
    meta = np.empty((0,) * blocks.ndim, dtype=blocks.dtype)
    return dask.array.from_array(blocks, chunks=chunks, name=False, meta=meta, inline_array=True)


class _Blocks:
    """An output as Dask reads it, one block at a time: a block that cannot be read, or one of
    FINITE with a value that is not a finite number, raises the InputError of a damaged file.
    Pickled (for the workers of a Dask cluster) as the file's name, to be opened again there."""

    def __init__(self, variable: xr.Variable, name: str, group: str, key: str) -> None:
        self._variable, self._name, self._group, self._key = variable, name, group, key
        self._where = f"scenario '{group}'"
        self.shape, self.dtype, self.ndim = variable.shape, variable.dtype, variable.ndim

    def __reduce__(self) -> tuple:
        return _reopened, (self._name, self._group, self._key)

    def __getitem__(self, index: tuple) -> np.ndarray:
        try:
            block = self._variable[index].values
        except Exception as error:  # HDF5's own: a compressed chunk that does not decompress
            raise _unreadable(self._name, damage_reason(error)) from None
        if self._key in FINITE and not np.isfinite(block).all():
            problem = f"{self._where}: '{self._key}' holds a value that is not a finite number"
            raise _unreadable(self._name, problem)
        return block


def _reopened(name: str, group: str, key: str) -> _Blocks:
    """The _Blocks of output ``key`` of scenario ``group`` of the results file ``name``."""
    f = h5netcdf.File(h5py.File(open(name, "rb"), "r", rdcc_nbytes=CHUNK_CACHE), "r")  # noqa: SIM115
    ds = xr.open_dataset(xr.backends.H5NetCDFStore(f, group=group), cache=False)
    return _Blocks(ds[key].variable, name, group, key)


def _read_draws(f: h5netcdf.File) -> xr.DataArray | None:
    if "parameter_draws" not in f.variables:
        return None
    draws = xr.open_dataset(xr.backends.H5NetCDFStore(f))["parameter_draws"].load()
    draws.attrs["origin"] = _plain(f.attrs.get("parameter_draws_origin", ""))
    return draws


def _copy(source: BinaryIO, target: BinaryIO) -> None:
    """Every byte of the file ``source`` into ``target``, without moving its position (h5py's)."""
    offset = 0
    while block := os.pread(source.fileno(), 1 << 20, offset):
        target.write(block)
        offset += len(block)


def _plain(value: object) -> object:
    """An HDF5 attribute value as a plain Python value (str, int, float or list)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value
