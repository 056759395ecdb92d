"""One replicate at a time (for Dask): run_piece computes a replicate's piece in memory, store_piece
puts it into OUT.parts/, and a resumed run assembles the results file from the stored pieces."""

import random
from pathlib import Path

import numpy as np
import pytest

import meedoen
from conftest import LEIDEN, assert_same_results
from meedoen import _core


@pytest.fixture(scope="module")
def experiment() -> meedoen.Experiment:
    return meedoen.load_experiment(LEIDEN).with_overrides(weeks=3, replicates=3, scale=0.02, seed=99)


@pytest.fixture(scope="module")
def direct(experiment, tmp_path_factory) -> Path:
    """The experiment run at once, its pieces kept."""
    out = tmp_path_factory.mktemp("direct") / "direct.h5"
    _core.run_experiment(experiment, str(out), 2, keep_parts=True)
    return out


@pytest.fixture(scope="module")
def pieces(experiment) -> list[bytes]:
    return [_core.run_piece(experiment, r) for r in range(experiment.replicates)]


def part_file(out: Path, replicate: int) -> Path:
    return Path(_core.parts_dir(str(out))) / f"replicate-{replicate:06d}.part"


def test_a_piece_is_what_a_run_keeps_in_its_parts_folder(direct, pieces):
    for r, piece in enumerate(pieces):
        assert isinstance(piece, bytes)
        assert part_file(direct, r).read_bytes() == piece


def test_stored_pieces_in_any_order_assemble_to_the_same_results(experiment, direct, pieces, tmp_path):
    out = tmp_path / "assembled.h5"
    order = list(range(experiment.replicates))
    random.Random(1).shuffle(order)
    assert order != sorted(order)
    for r in order:
        _core.store_piece(experiment, str(out), r, pieces[r])
        assert part_file(out, r).read_bytes() == pieces[r]
    assert not out.exists()
    # Assembling computes nothing: no weeks are reported, the callback is only asked whether to
    # stop (after each replicate written and before the rename), with done == total == 0.
    progress = []
    _core.run_experiment(experiment, str(out), 2, lambda *done_total: progress.append(done_total), resume=True)
    assert progress == [(0, 0)] * (experiment.replicates + 1)
    assert_same_results(direct, out)
    assert not Path(_core.parts_dir(str(out))).exists()
    # The folder can be resumed from the command line too: it holds the run's manifest.
    assert meedoen.open_results(out).attrs["replicates"] == experiment.replicates


def test_a_stored_piece_completes_an_interrupted_run(experiment, direct, pieces, tmp_path):
    """A piece stored beside pieces the run made itself; the run computes only the rest."""
    out = tmp_path / "mixed.h5"
    _core.store_piece(experiment, str(out), 1, pieces[1])
    progress = []
    _core.run_experiment(experiment, str(out), 1, lambda done, total: progress.append(total), resume=True)
    weeks = experiment.weeks * len(experiment.scenario_names)
    assert set(progress) == {2 * weeks}  # replicates 0 and 2 only
    assert_same_results(direct, out)


def test_the_same_piece_for_any_number_of_threads(experiment, pieces):
    assert _core.run_piece(experiment, 2, threads=2) == pieces[2]
    assert _core.run_piece(experiment, 2, 1) == pieces[2]


def problems(call) -> list[str]:
    with pytest.raises(meedoen.InputError) as raised:
        call()
    return raised.value.problems


def test_bad_pieces_are_refused_and_nothing_is_written(experiment, pieces, tmp_path):
    out = str(tmp_path / "refused.h5")
    allowed = "(the bytes that run_piece returned for this experiment and replicate)"
    damaged = [f"store_piece: data: damaged piece {allowed}"]
    piece = pieces[0]
    assert problems(lambda: _core.store_piece(experiment, out, 0, b"")) == damaged
    assert problems(lambda: _core.store_piece(experiment, out, 0, b"garbage" * 1000)) == damaged
    assert problems(lambda: _core.store_piece(experiment, out, 0, piece[:-1])) == damaged
    flipped = piece[:100] + bytes([piece[100] ^ 1]) + piece[101:]
    assert problems(lambda: _core.store_piece(experiment, out, 0, flipped)) == damaged
    # The piece of another replicate.
    assert problems(lambda: _core.store_piece(experiment, out, 0, pieces[1])) == [
        f"store_piece: data: the piece of replicate 1, not of replicate 0 {allowed}"
    ]
    # A piece of another experiment: another seed, or another number of weeks.
    for other in (experiment.with_overrides(seed=100), experiment.with_overrides(weeks=2)):
        foreign = _core.run_piece(other, 0)
        (problem,) = problems(lambda foreign=foreign: _core.store_piece(experiment, out, 0, foreign))
        assert problem.startswith("store_piece: data: a piece of another run ("), problem
    assert not Path(_core.parts_dir(out)).exists()


def test_replicates_out_of_range_are_refused(experiment, pieces, tmp_path):
    out = str(tmp_path / "range.h5")
    for r in (-1, 3, 2**40):
        message = f"value {r} is out of range (a whole number from 0 to 2: the experiment has 3 replicates)"
        assert problems(lambda r=r: _core.run_piece(experiment, r)) == [f"run_piece: replicate: {message}"]
        assert problems(lambda r=r: _core.store_piece(experiment, out, r, pieces[0])) == [
            f"store_piece: replicate: {message}"
        ]
    assert not Path(_core.parts_dir(out)).exists()


def test_a_folder_of_another_run_is_refused_as_a_resume_is(experiment, pieces, tmp_path):
    out = tmp_path / "other.h5"
    other = experiment.with_overrides(seed=100)
    _core.store_piece(other, str(out), 0, _core.run_piece(other, 0))
    (problem,) = problems(lambda: _core.store_piece(experiment, str(out), 0, pieces[0]))
    refused = f"{out}.parts: --resume: the interrupted run was made by another experiment"
    assert problem.startswith(refused), problem
    assert (Path(_core.parts_dir(str(out))) / "fingerprint").exists()


def test_pieces_with_parameter_draws_store_and_assemble_as_a_run_does(experiment, tmp_path):
    """The row of draws a replicate ran with ends its piece; store_piece takes it (it once refused
    it as not fitting the experiment) and the assembled file equals the run's."""
    names = ["home_visits.contact", "home_visits.acceptance"]
    rows = np.array([[0.6, 0.3], [0.9, 0.5], [0.7, 0.8]])
    drawn = experiment.with_replicate_parameters(names, rows, "test draws")
    direct = tmp_path / "direct.h5"
    _core.run_experiment(drawn, str(direct), 1)
    out = tmp_path / "stored.h5"
    for r in (2, 0, 1):
        _core.store_piece(drawn, str(out), r, _core.run_piece(drawn, r, 1))
    _core.run_experiment(drawn, str(out), 1, resume=True)
    assert_same_results(direct, out)
    assert np.array_equal(meedoen.open_results(out).parameter_draws.values, rows)
    # The piece without draws, or with the draws of another run, does not fit.
    plain = _core.run_piece(experiment, 0)
    (problem,) = problems(lambda: _core.store_piece(drawn, str(tmp_path / "x.h5"), 0, plain))
    assert problem.startswith("store_piece: data: a piece of another run"), problem


def test_every_output_of_the_table_is_in_the_file_with_its_units(direct):
    results = meedoen.open_results(direct)
    table = {o["name"]: o for o in _core.outputs()}
    assert "parameter_draws" in table and not table["parameter_draws"]["per_scenario"]
    for scenario in results.scenarios:
        group = results.dataset(scenario, raw=True)  # as stored (results[scenario]: city units)
        for name, spec in table.items():
            if not spec["per_scenario"]:
                continue
            assert list(group[name].dims) == spec["dims"], name
            assert str(group[name].dtype) == spec["type"], name
            assert group[name].attrs["long_name"] == spec["long_name"]
            assert group[name].attrs["units"].startswith(spec["units"])
    assert results.units("program", "budget_euros") == "euro"
    assert results.units("program", "visited") == "persons"
    assert results.variable("persons_up").dims == ("scenario", "replicate", "wijk")
    with pytest.raises(KeyError):
        results.variable("parameter_draws")
