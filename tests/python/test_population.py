"""The open population and the outputs of issue 13 in a results file: every scenario meets the
same births, deaths and moves; severe loneliness per wijk; the brigade's walk-in (taken_along)."""

from pathlib import Path

import numpy as np
import pytest

import meedoen
from conftest import LEIDEN
from meedoen import _core


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> meedoen.Results:
    experiment = meedoen.load_experiment(LEIDEN).with_overrides(weeks=52, replicates=2, scale=0.1, seed=5)
    out: Path = tmp_path_factory.mktemp("population") / "population.h5"
    _core.run_experiment(experiment, str(out), 2)
    return meedoen.open_results(out)


def test_every_scenario_meets_the_same_births_deaths_and_moves(results):
    events = results.variable("events").sel(event=["born", "died", "moved_in", "moved_out"])
    per_year = events.sum("week")
    assert (per_year > 0).all()
    assert (per_year == per_year.sel(scenario="baseline")).all()
    # About 11,000 a year move out of a city of 130,000 (F 1.31, 1.32): in city units at any scale
    # (some 1,100 simulated residents at scale 0.1).
    assert 8000 < float(per_year.sel(event="moved_out").mean()) < 14000
    raw = results.variable("events", raw=True).sel(event="moved_out").sum("week")
    assert 800 < float(raw.mean()) < 1400


def test_severe_loneliness_is_counted_per_wijk_among_the_adults(results):
    lonely = results.variable("lonely")
    adults = results.variable("rung_counts").sum("rung")
    assert lonely.dims == ("scenario", "replicate", "week", "wijk")
    assert (lonely <= adults).all()
    share = float(lonely.isel(week=0).sum("wijk").mean() / adults.isel(week=0).sum("wijk").mean())
    assert share == pytest.approx(0.16, abs=0.005)  # population.lonely (F 5.1)
    assert (lonely.isel(week=-1) != lonely.isel(week=0)).any()  # newcomers and leavers change it


def test_those_taken_along_are_among_those_who_accepted(results):
    taken = results.variable("taken_along")
    accepted = results.variable("program").sel(metric="accepted")
    assert taken.dims == ("scenario", "replicate", "week", "intervention")
    assert (taken <= accepted).all()
    brigade = taken.sel(scenario="meedoen_met_de_stad")
    assert np.all(brigade.sel(intervention="signalling_meeting").values == 0)  # no offer of its own
