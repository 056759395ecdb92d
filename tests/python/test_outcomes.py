"""The one table of outcomes: every output takes its names and words from meedoen.outcomes."""

import subprocess
import sys

import numpy as np

import meedoen
from conftest import REPO, cli
from meedoen import sensitivity
from meedoen.docs import with_outcomes
from meedoen.outcomes import OUTCOMES, compare_outcomes, participation


def test_compare_gives_the_outcomes_of_the_table_in_its_order(small_run):
    table = meedoen.compare(meedoen.open_results(small_run))
    assert list(dict.fromkeys(table.metric)) == compare_outcomes()
    per_wijk = set(table[table.wijk != "all"].metric)
    assert per_wijk == {name for name in compare_outcomes() if OUTCOMES[name].per_wijk}


def test_every_outcome_has_its_words_in_both_languages():
    for outcome in OUTCOMES.values():
        assert set(outcome.label) == set(outcome.description) == {"nl", "en"}, outcome.name
        assert outcome.unit in ("share", "persons", "euro", "week")


def test_the_sensitivity_analysis_offers_the_outcomes_with_one_number_per_replicate():
    assert list(sensitivity.OUTCOMES) == [n for n in compare_outcomes() if OUTCOMES[n].per_replicate]
    assert all(sensitivity.OUTCOMES[n] == OUTCOMES[n].description["en"] for n in sensitivity.OUTCOMES)


def test_the_compare_guide_shows_the_table_as_it_is():
    guide = (REPO / "docs" / "guide" / "compare.md").read_text(encoding="utf-8")
    assert with_outcomes(guide) == guide, "run `make docs`"


def test_participation_is_rung_3_or_higher(small_run):
    counts = meedoen.open_results(small_run)["baseline"].rung_counts.isel(week=-1)
    c = counts.values  # replicate x wijk x rung (rungs 1 to 6)
    city = c[..., 2:].sum(axis=(1, 2)) / c.sum(axis=(1, 2))
    wijken = c[..., 2:].sum(axis=2) / c.sum(axis=2)
    assert np.allclose(participation(counts).values, city)
    assert np.allclose(participation(counts, per_wijk=True).values, wijken)


def test_compare_prints_the_names_and_words_of_the_table(small_run):
    printed = cli("compare", small_run).stdout
    for name in compare_outcomes():
        assert f"  {name}: {OUTCOMES[name].description['en']}" in printed


def test_the_submodules_are_there_after_a_plain_import():
    """help(meedoen.sensitivity), help(meedoen.calibration) and meedoen.report.write_report (README,
    report.md) work after `import meedoen`, which loads none of them itself."""
    code = (
        "import sys, meedoen; assert 'meedoen.report' not in sys.modules; "
        "print(meedoen.report.write_report.__name__, meedoen.sensitivity.__name__, meedoen.calibration.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["write_report", "meedoen.sensitivity", "meedoen.calibration"]
