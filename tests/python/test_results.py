"""The results file of a small run: layout, provenance, round trip, reproducibility."""

import csv
import re

import h5py
import numpy as np
import pytest
import xarray as xr

import meedoen
from conftest import LEIDEN, REPO, SMALL, assert_same_results, cli


@pytest.fixture(scope="module")
def baseline(small_run) -> xr.Dataset:
    with xr.open_dataset(small_run, group="baseline", engine="h5netcdf") as ds:
        return ds.load()


def wijk_names() -> list[str]:
    with open(REPO / "data" / "leiden_wijken.csv", newline="") as f:
        return [row["name"] for row in csv.DictReader(f)]


def test_rung_counts_dims_and_coordinates(baseline):
    counts = baseline["rung_counts"]
    assert counts.dims == ("replicate", "week", "wijk", "rung")
    assert counts.dtype == np.uint32
    assert list(baseline["wijk"].values) == wijk_names()
    assert list(baseline["rung"].values) == [1, 2, 3, 4, 5, 6]
    assert list(baseline["week"].values) == list(range(11))
    assert baseline.sizes["replicate"] == 2


def test_root_attributes_are_the_provenance(small_run):
    with h5py.File(small_run, "r") as f:
        attrs = dict(f.attrs)
    assert attrs["meedoen_version"] == meedoen.__version__
    assert attrs["experiment"] == LEIDEN.read_text()
    assert attrs["seed"] == 12345
    assert attrs["weeks"] == 10
    assert attrs["replicates"] == 2
    assert attrs["git_commit"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", attrs["created_utc"])


def test_results_object(small_run):
    results = meedoen.open_results(small_run)
    assert results.scenarios[0] == "baseline"
    assert results.rung_counts.dims == ("scenario", "replicate", "week", "wijk", "rung")
    assert list(results.rung_counts["scenario"].values) == results.scenarios
    assert results.attrs["weeks"] == 10


def test_results_round_trip(small_run, tmp_path):
    first = meedoen.open_results(small_run)
    first.to_hdf5(tmp_path / "copy.h5")
    second = meedoen.open_results(tmp_path / "copy.h5")
    assert (tmp_path / "copy.h5").read_bytes() == small_run.read_bytes()
    assert second.attrs == first.attrs
    assert second.scenarios == first.scenarios
    assert second.rung_counts.identical(first.rung_counts)


def test_results_stay_when_the_file_is_deleted(small_run, tmp_path):
    copy = tmp_path / "copy.h5"
    copy.write_bytes(small_run.read_bytes())
    results = meedoen.open_results(copy)
    copy.unlink()
    assert int(results.rung_counts.sum()) > 0


def test_open_results_rejects_other_files(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(ValueError, match="not a readable Meedoen results file"):
        meedoen.open_results(tmp_path / "other.h5")


# --- damaged files: one line, FILE: (file): not a readable Meedoen results file (...) -----------
# (Damaged data, found when it is read: test_results_memory.py.)


def _flip(content: bytes, start: int, count: int = 64) -> bytes:
    damaged = bytearray(content)
    for k in range(start, start + count):
        damaged[k] ^= 0xFF
    return bytes(damaged)


def _edited(path, tmp_path, edit) -> bytes:
    copy = tmp_path / "edited.h5"
    copy.write_bytes(path.read_bytes())
    with h5py.File(copy, "r+") as f:
        edit(f)
    return copy.read_bytes()


def _replace_attribute(name, value):
    def edit(f):
        f.attrs[name] = value

    return edit


def _delete(name):
    def edit(f):
        del f[name]

    return edit


def _damaged_copies(small_run, tmp_path) -> dict[str, tuple[bytes, str]]:
    """name: (the damaged bytes, what the message says is wrong)."""
    content = small_run.read_bytes()
    size = len(content)
    attribute = content.index(b'{"population.age_shares"')  # the parameters of the first scenario
    return {
        "cut to 10%": (content[: size // 10], f"cut short: {size // 10} of its {size} bytes"),
        "cut to 99%": (content[: size * 99 // 100], "cut short: "),
        "cut to the first byte": (content[:1], "not an HDF5 file"),
        "64 bytes of an attribute": (_flip(content, attribute + 100), "the attribute 'parameters' of scenario "),
        "the superblock": (_flip(content, 0, 8), "not an HDF5 file"),
        "not HDF5 at all": (b"scenario,value\nbaseline,1\n", "not an HDF5 file"),
        "empty": (b"", "not an HDF5 file"),
        "a missing group": (_edited(small_run, tmp_path, _delete("project_door")), "it has no group for scenario 'project_door'"),
        "a missing dataset": (
            _edited(small_run, tmp_path, _delete("baseline/program")),
            "scenario 'baseline' has no dataset 'program'",
        ),
        "a missing attribute": (
            _edited(small_run, tmp_path, _delete_attribute("experiment")),
            "it has no root attribute 'experiment'",
        ),
        "an attribute of the wrong type": (
            _edited(small_run, tmp_path, _replace_attribute("weeks", "ten")),
            "its root attribute 'weeks' is not a whole number",
        ),
        "another number of replicates": (
            _edited(small_run, tmp_path, _replace_attribute("replicates", 3)),
            "scenario 'baseline' has 2 replicates, not 3",
        ),
        "damaged JSON at the root": (
            _edited(small_run, tmp_path, _replace_attribute("parameter_values", '{"a": ')),
            "its root attribute 'parameter_values' is damaged: not JSON",
        ),
        "a scenario text that is not TOML": (  # the report named the scenario file, not the results file
            _edited(small_run, tmp_path, _replace_attribute("experiment", "[experiment\nname = ")),
            "its root attribute 'experiment' is damaged: not TOML",
        ),
        "a scale of 0": (
            _edited(small_run, tmp_path, _replace_attribute("scale", 0.0)),
            "its root attribute 'scale' is 0.0, not a number from 0.001 to 150",
        ),
        "a scale that is text": (
            _edited(small_run, tmp_path, _replace_attribute("scale", "abc")),
            "its root attribute 'scale' is 'abc', not a number from 0.001 to 150",
        ),
        "a scale of NaN": (
            _edited(small_run, tmp_path, _replace_attribute("scale", float("nan"))),
            "its root attribute 'scale' is nan, not a number from 0.001 to 150",
        ),
        "a scale above the engine's": (
            _edited(small_run, tmp_path, _replace_attribute("scale", 151)),
            "its root attribute 'scale' is 151, not a number from 0.001 to 150",
        ),
    }


def _delete_attribute(name):
    def edit(f):
        del f.attrs[name]

    return edit


DAMAGE = [
    "cut to 10%",
    "cut to 99%",
    "cut to the first byte",
    "64 bytes of an attribute",
    "the superblock",
    "not HDF5 at all",
    "empty",
    "a missing group",
    "a missing dataset",
    "a missing attribute",
    "an attribute of the wrong type",
    "another number of replicates",
    "damaged JSON at the root",
    "a scenario text that is not TOML",
    "a scale of 0",
    "a scale that is text",
    "a scale of NaN",
    "a scale above the engine's",
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_refused_in_one_line(small_run, tmp_path, damage):
    content, reason = _damaged_copies(small_run, tmp_path)[damage]
    path = tmp_path / "damaged.h5"
    path.write_bytes(content)
    with pytest.raises(meedoen.InputError) as caught:
        meedoen.open_results(path)
    (line,) = caught.value.problems
    assert line.startswith(f"{path}: (file): not a readable Meedoen results file ({reason}"), line
    assert line.endswith(")") and "\n" not in line


@pytest.mark.parametrize("command", ["compare", "report"])
def test_compare_and_report_refuse_a_damaged_file_with_exit_2(small_run, tmp_path, command):
    """Field report 22: 64 bytes changed inside an attribute gave a JSONDecodeError traceback."""
    content = small_run.read_bytes()
    path = tmp_path / "damaged.h5"
    path.write_bytes(_flip(content, content.index(b'{"population.age_shares"') + 100))
    out = tmp_path / "report.html"
    result = cli(command, path, *(["-o", out] if command == "report" else []))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: (file): not a readable Meedoen results file (the attribute 'parameters' of scenario "
        "'baseline' is damaged: not JSON)"
    ]
    assert not out.exists()


@pytest.mark.parametrize("command", ["compare", "report"])
@pytest.mark.parametrize("scale", [0.0, "abc", float("nan")])
def test_compare_and_report_refuse_a_bad_scale_with_exit_2(small_run, tmp_path, command, scale):
    """Field report: a scale of 0, "abc" or NaN gave a ZeroDivisionError or ValueError traceback, or
    NaN figures."""
    path = tmp_path / "scaled.h5"
    path.write_bytes(_edited(small_run, tmp_path, _replace_attribute("scale", scale)))
    out = tmp_path / "report.html"
    result = cli(command, path, *(["-o", out] if command == "report" else []))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: (file): not a readable Meedoen results file (its root attribute 'scale' is {scale!r}, "
        "not a number from 0.001 to 150)"
    ]
    assert result.stdout == "" and not out.exists()


@pytest.mark.parametrize("scale", [0.001, 150, 2.5])
def test_a_scale_within_the_engines_range_opens(small_run, tmp_path, scale):
    path = tmp_path / "scaled.h5"
    path.write_bytes(_edited(small_run, tmp_path, _replace_attribute("scale", scale)))
    assert meedoen.open_results(path).scale == scale


def test_a_missing_file_is_still_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        meedoen.open_results(tmp_path / "nowhere.h5")
    with pytest.raises(meedoen.InputError, match=r": \(file\): not a readable Meedoen results file \(Is a"):
        meedoen.open_results(tmp_path)


def test_same_seed_gives_identical_results(small_run, tmp_path):
    again = tmp_path / "again.h5"
    assert cli("run", LEIDEN, *SMALL, "--threads", "2", "-o", again).returncode == 0
    assert_same_results(small_run, again)


def test_thread_count_does_not_change_results(small_run, tmp_path):
    one = tmp_path / "one.h5"
    assert cli("run", LEIDEN, *SMALL, "--threads", "1", "-o", one).returncode == 0
    assert_same_results(small_run, one)


def test_another_seed_gives_other_results(small_run):
    other = meedoen.run(LEIDEN, replicates=2, weeks=10, scale=0.05, seed=54321, threads=2)
    same = meedoen.open_results(small_run)
    assert not np.array_equal(other.rung_counts.values, same.rung_counts.values)


def test_adults_are_kept(small_run):
    """Nobody disappears unaccounted: week by week the adults change by at most those who came of age,
    moved in, moved out or died (the open population), and stay within 2%."""
    results = meedoen.open_results(small_run)
    totals = results.rung_counts.sum(["wijk", "rung"]).astype(np.int64)
    flows = ["became_adult", "moved_in", "moved_out", "died"]
    events = results.variable("events").sel(event=flows).sum("event").astype(np.int64)
    assert (abs(totals.diff("week")) <= events.sel(week=totals.week[1:])).all()
    assert (abs(totals / totals.isel(week=0) - 1) <= 0.02).all()


def test_program_and_ledger_over_all_scenarios(small_run):
    results = meedoen.open_results(small_run)
    program, ledger = results.program, results.ledger
    assert program.dims == ("scenario", "replicate", "week", "intervention", "metric")
    assert ledger.dims == ("scenario", "replicate", "week", "item")
    assert ledger.dtype == np.float64  # program as stored: whole numbers; here in city units
    assert results.variable("program", raw=True).dtype == np.uint32 and program.dtype == np.float64
    for name in results.scenarios:
        own = results[name]
        # Each scenario's own values are unchanged; the interventions it lacks count 0.
        np.testing.assert_array_equal(
            program.sel(scenario=name, intervention=own.intervention.values).values, own.program.values
        )
        others = [i for i in program.intervention.values if i not in own.intervention.values]
        assert (program.sel(scenario=name, intervention=others) == 0).all()
        own_ledger = ledger.sel(scenario=name, item=own["item"].values)
        np.testing.assert_array_equal(own_ledger.values, own.ledger.values)


# The metrics before the rungs, in their old places.
METRICS = [
    *("found", "visited", "accepted", "enrolled", "referred", "completed", "active", "waiting"),
    "budget_euros",
]
ENROLLED_RUNGS = [f"enrolled_rung_{r}" for r in range(1, 7)]
COMPLETED_RUNGS = [f"completed_rung_{r}" for r in range(1, 7)]

# Every programme type in every wijk, finding many and keeping them two weeks:
# enrolments and completions from the first weeks on.
SHORT_PROGRAMMES = """
[experiment]
name = "short programmes"
weeks = 8
replicates = 2
seed = 7
[population]
scale = 0.05
[[scenario]]
name = "baseline"
[[scenario]]
name = "all"
  [[scenario.intervention]]
  type = "home_visits"
  list_size = 500
  min_weeks_on_bijstand = 0
  staff_hours = 1000
  duration_weeks = 2
  [[scenario.intervention]]
  type = "peer_outreach"
  finding_rate = 0.05
  staff_hours = 1000
  duration_weeks = 2
  [[scenario.intervention]]
  type = "signalling_meeting"
  [[scenario.intervention]]
  type = "walk_in"
  base_rate = 0.05
  duration_weeks = 2
  [[scenario.intervention]]
  type = "geluksbudget"
  finding_rate = 0.05
  staff_hours = 1000
  duration_weeks = 2
  [[scenario.intervention]]
  type = "activation_centre"
  finding_rate = 0.05
  staff_hours = 1000
  places = 1000
  duration_weeks = 2
  [[scenario.intervention]]
  type = "poverty_signalling"
  finding_rate = 0.2
  staff_hours = 1000
  duration_weeks = 2
  [[scenario.intervention]]
  type = "talent_matching"
  finding_rate = 0.05
  staff_hours = 1000
  places = 1000
  duration_weeks = 2
  [[scenario.intervention]]
  type = "student_matching"
  finding_rate = 0.05
  staff_hours = 1000
  organisations = 100
  duration_weeks = 2
  [[scenario.intervention]]
  type = "volunteer_support"
"""


def test_rungs_of_participants_add_up_to_enrolled_and_completed(small_run, tmp_path):
    """For every scenario, intervention, week and replicate, the rungs of those enrolled add up to
    `enrolled` and the rungs of those who completed to `completed`, read back from the results file."""
    scenario = tmp_path / "short.toml"
    scenario.write_text(SHORT_PROGRAMMES)
    out = tmp_path / "short.h5"
    meedoen.run_to_file(scenario, out, threads=2)
    for path in (out, small_run):
        program = meedoen.open_results(path).program
        # The rungs' metrics follow the old ones, which keep their places.
        assert list(program.metric.values) == METRICS + ENROLLED_RUNGS + COMPLETED_RUNGS
        for total, rungs in (("enrolled", ENROLLED_RUNGS), ("completed", COMPLETED_RUNGS)):
            by_rung = program.sel(metric=rungs).sum("metric")
            np.testing.assert_array_equal(by_rung.values, program.sel(metric=total).values, err_msg=total)
    # Not vacuous: every programme enrolled and completed people, on more than one rung.
    program = meedoen.open_results(out).program.sel(scenario="all")
    totals = program.sum(["replicate", "week"])
    for intervention in program.intervention.values:
        counts = totals.sel(intervention=intervention)
        if intervention in ("signalling_meeting", "volunteer_support"):
            assert (counts == 0).all(), intervention
        else:
            assert counts.sel(metric="enrolled") > 0 and counts.sel(metric="completed") > 0, intervention
    assert (totals.sel(metric=ENROLLED_RUNGS).sum("intervention") > 0).sum() >= 3
    assert (totals.sel(metric=COMPLETED_RUNGS).sum("intervention") > 0).sum() >= 3


def test_read_program_reads_one_scenarios_program_as_open_results_does(small_run, tmp_path):
    from meedoen.results import read_program

    results = meedoen.open_results(small_run)
    for name in results.scenarios:
        program = read_program(small_run, name)
        assert program.equals(results[name].program)
        assert program.dims == results[name].program.dims
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(small_run.read_bytes()[:1000])
    with pytest.raises(meedoen.InputError, match=r"\(file\): not a readable Meedoen results file \(cut short"):
        read_program(damaged, "baseline")
