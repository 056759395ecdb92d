"""The Python API: experiments, errors, parameters and the bindings' run."""

import pickle

import pytest

import meedoen
from conftest import LEIDEN, REPO
from meedoen import _core, docs


def test_load_experiment():
    experiment = meedoen.load_experiment(LEIDEN)
    assert experiment.scenario_names[0] == "baseline"
    assert experiment.source_text == LEIDEN.read_text()
    assert experiment.weeks == 260


def test_default_experiment_is_the_embedded_leiden_file():
    assert meedoen.default_experiment().source_text == LEIDEN.read_text()


def test_with_overrides_returns_a_changed_copy():
    experiment = meedoen.load_experiment(LEIDEN)
    changed = experiment.with_overrides(weeks=5, replicates=3, seed=9, scale=0.5)
    assert (changed.weeks, changed.replicates, changed.seed, changed.scale) == (5, 3, 9, 0.5)
    assert experiment.weeks == 260


def test_with_overrides_checks_the_range():
    with pytest.raises(meedoen.InputError) as raised:
        meedoen.load_experiment(LEIDEN).with_overrides(weeks=0)
    assert raised.value.problems[0].startswith("command line: --weeks: value 0 is out of range")


def test_input_error_lists_the_problems(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[experiment]\nname = "x"\nweeks = -1\nreplicates = 0\n')
    with pytest.raises(meedoen.InputError) as raised:
        meedoen.load_experiment(bad)
    error = raised.value
    assert isinstance(error, ValueError)
    assert _core.InputError is meedoen.InputError
    assert len(error.problems) == 3  # weeks, replicates, no scenario
    weeks = f"{bad}:3: experiment.weeks: value -1 is out of range (a whole number from 1 to 5200)"
    assert weeks in error.problems
    assert str(error) == "\n".join(error.problems)
    assert pickle.loads(pickle.dumps(error)).problems == error.problems


KEYS = {"name", "unit", "default", "labels", "min", "max", "integer", "source", "description", "assumption"}


def test_parameters_describe_themselves():
    parameters = meedoen.parameters()
    assert parameters
    for p in parameters:
        assert set(p) == KEYS
        values = p["default"] if p["labels"] else [p["default"]]
        assert all(p["min"] <= v <= p["max"] for v in values), p["name"]
        assert p["assumption"] == (p["source"] == "assumption")


def test_parameter_docs_are_up_to_date():
    written = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert written == docs.render(), "docs/parameters.md is out of date: run `make docs`"


def test_the_interventions_parameter_tables_are_generated_and_up_to_date():
    written = (REPO / "docs" / "interventions.md").read_text(encoding="utf-8")
    stale = "docs/interventions.md is out of date: run `make docs`"
    assert written == docs.with_type_parameters(written), stale
    # Every intervention type (one file in models/interventions/) has its generated table, and
    # every parameter of it is a row.
    shared = {"intervention", "programme", "registry"}
    kinds = {f.stem for f in (REPO / "models" / "interventions").glob("*.cpp")} - shared
    assert len(kinds) >= 10
    for kind in kinds:
        assert f"<!-- parameters of {kind}: generated" in written, kind
    for p in meedoen.parameters():
        kind, _, key = p["name"].partition(".")
        if kind in kinds:
            assert f"| `{key}` | {docs._number(p['default'])} |" in written, p["name"]


def test_output_docs_are_up_to_date_and_list_every_output():
    written = (REPO / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert written == docs.render_outputs(), "docs/outputs.md is out of date: run `make docs`"
    for output in meedoen._core.outputs():
        assert f"| `{output['name']}` |" in written


def small_experiment():
    return meedoen.load_experiment(LEIDEN).with_overrides(weeks=4, replicates=1, scale=0.02)


def test_progress_is_reported(tmp_path):
    seen = []
    out = tmp_path / "out.h5"
    experiment = small_experiment()
    _core.run_experiment(experiment, str(out), 1, lambda done, total: seen.append(done))
    total = len(experiment.scenario_names) * experiment.weeks * experiment.replicates
    assert seen[:total] == list(range(1, total + 1))  # each week of each scenario
    assert seen[total:] == [total] * (experiment.replicates + 1)  # asked while the file is written
    assert out.is_file()


def test_progress_returning_false_stops_the_run(tmp_path):
    out = tmp_path / "out.h5"
    _core.run_experiment(small_experiment(), str(out), 1, lambda done, total: False)
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_an_exception_in_progress_stops_the_run_and_is_raised(tmp_path):
    def interrupt(done, total):
        raise KeyboardInterrupt

    out = tmp_path / "out.h5"
    with pytest.raises(KeyboardInterrupt):
        _core.run_experiment(small_experiment(), str(out), 1, interrupt)
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_run_returns_results():
    results = meedoen.run(LEIDEN, replicates=1, weeks=3, scale=0.02)
    assert results.rung_counts.sizes["week"] == 4
    assert results.attrs["replicates"] == 1
