"""User text on the console is printed as written: square brackets (rich's markup) in an experiment,
scenario or wijk name neither crash a command nor vanish (field report 11). And numbers with
intervals are rounded to the digits the interval supports."""

import math
import re
import shutil
from pathlib import Path

import pytest

from conftest import cli
from meedoen.cli.console import cell, percent
from meedoen.outcomes import decimals, end_places, rounded, with_error

CASES = Path(__file__).parent / "cases"
EXPERIMENT = "Leiden 2027 [/] versie [concept] </title><script>alert('naam')</script> & \"Q&A\""
WIJKEN = ["Noord [/]", "Zuid [bold]oud"]


def case(tmp_path: Path, experiment: str | None = None) -> Path:
    """The field report's scenario file and wijk file in ``tmp_path``, with another experiment
    name if given (scenario names are letters, digits, _ and - only)."""
    shutil.copy(CASES / "markup-wijken.csv", tmp_path)
    text = (CASES / "markup-in-names.toml").read_text(encoding="utf-8")
    if experiment is not None:
        text = re.sub(r'^name = "Leiden.*$', lambda _: f'name = "{experiment}"', text, count=1, flags=re.M)
    path = tmp_path / "case.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def markup_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("markup")
    out = folder / "out.h5"
    result = cli("run", case(folder), "--quiet", "-o", out)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_run_prints_the_experiment_name_as_written(markup_run):
    out, stdout = markup_run
    words = " ".join(stdout.split())  # the title wraps at the table's width
    assert " ".join(EXPERIMENT.replace('\\"', '"').split()) in words
    assert f"results written to {out}" in stdout


@pytest.mark.parametrize("name", ["[versie 2]", "Noord [/]", "[bold]x[/bold]", "[red", "a]b[/"])
def test_run_prints_other_bracketed_experiment_names(tmp_path, name):
    result = cli("run", case(tmp_path, experiment=name), "--quiet", "-o", tmp_path / "out.h5")
    assert result.returncode == 0, result.stderr
    assert f"{name}: mean over 2 replicates" in result.stdout


def test_compare_prints_wijk_names_as_written(markup_run):
    out, _ = markup_run
    result = cli("compare", out, "--by-wijk")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for wijk in WIJKEN:
        assert f"{wijk} " in result.stdout
    words = " ".join(result.stdout.split())
    assert "Participation rate per wijk: difference to baseline [95% interval]" in words


@pytest.mark.parametrize(
    ("numbers", "unit", "diff", "shown"),
    [
        # an effect of 0.005-0.02 percentage points: its digits, not +0.01 pp [+0.00 pp, +0.01 pp]
        ((0.0001, 0.00004, 0.00016), "participation_rate", True, "+0.010 pp [+0.004 pp, +0.016 pp]"),
        ((0.0123, 0.0050, 0.0196), "participation_rate", True, "+1.2 pp [+0.5 pp, +2.0 pp]"),
        # an end that would round to zero keeps its own digit: the interval excludes zero
        ((0.00048, 0.000046, 0.00092), "participation_rate", True, "+0.05 pp [+0.005 pp, +0.09 pp]"),
        ((0.83, 0.82, 0.84), "participation_rate", False, "83.0% [82.0%, 84.0%]"),
        # rounding noise of a cost that is the same in every replicate: no interval
        ((110_000.0, 110_000.0 - 1e-7, 110_000.0 + 1e-7), "intervention_cost", False, "110k"),
        ((110_400.0, 110_100.0, 110_700.0), "intervention_cost", False, "110.40k [110.10k, 110.70k]"),
        # a wide interval: to the second significant digit of its half-width (112), not one decimal
        ((153.4, 41.2, 265.6), "persons_up", True, "+150 [+40, +270]"),
        # but an end is not rounded to zero
        ((15.3, 0.4, 30.3), "persons_up", True, "+15 [+0.4, +30]"),
        ((15.3, 1.4, 30.3), "persons_up", True, "+15 [+1, +30]"),
        ((506_734_039.0, 503_574_314.0, 509_893_764.0), "provision_cost", False,
         "506,700k [503,600k, 509,900k]"),
        ((-1.0, -1.0, -1.0), "isolated", True, "-1.0"),
        ((math.nan, math.nan, math.nan), "cost_per_person_up", False, "-"),
        ((12.0, 10.0, 15.0), "break_even_week", False, "week 12 [week 10, week 15]"),
        # an interval without an upper end
        ((131_780.6, 59_900.3, math.inf), "cost_per_person_up", False, "130k [60k, ∞]"),
        ((math.nan, 83.0, math.inf), "break_even_week", False, "- [week 83, ∞]"),
        ((math.nan, math.inf, math.inf), "break_even_week", False, "-"),
        ((12.0, 10.0, math.inf), "break_even_week", False, "week 12 [week 10, ∞]"),
        ((12.0, math.inf, math.inf), "break_even_week", False, "week 12 [∞, ∞]"),
    ],
)
def test_a_cell_shows_the_digits_its_interval_supports(numbers, unit, diff, shown):
    assert cell(*numbers, unit, diff=diff) == shown


@pytest.mark.parametrize(
    ("default", "low", "high", "places"),
    # (half-width: its three leading digits) -> places
    [(0, 92_658.2, 160_273.7, -3),  # 33,808: 338, two significant digits
     (0, 13_986.6, 15_549.8, -2),  # 781.6: 781, one
     (0, 9.0, 11.0, 1),  # 1.0: 100, two
     (1, 4.8, 11.9, 0),  # 3.55: 355, one
     (1, 1.4, 30.3, 0),  # 14.45: 144, two
     (0, 0.0, 160_273.7, -4),  # 80,137: 801, one
     (2, 0.004, 0.016, 3),  # 0.006: 600, one
     (2, 0.0, 0.194, 2),  # 0.097: 970, up to 0.10, two
     (2, 0.0, 1e-12, 6),  # at most six
     (1, 5.0, math.inf, 1), (1, 5.0, 5.0, 1)],  # no width: the default
)
def test_decimals_follow_the_particle_data_groups_rule(default, low, high, places):
    assert decimals(default, low, high) == places


def test_an_open_interval_is_rounded_by_its_lower_part_and_no_end_shows_zero_unless_it_is():
    assert decimals(0, 59_900.3, math.inf, 131_780.6) == -4  # 71,880: 718, one digit
    assert decimals(0, 59_900.3, math.inf) == 0  # no number: the default
    assert [end_places(v, p) for v, p in [(0.0046, 2), (0.4, 0), (70.0, -4), (-70.0, -4)]] == [3, 1, -1, -1]
    assert [end_places(v, p) for v, p in [(7.0, -1), (0.0, 2), (math.inf, 0), (0.05, 1)]] == [-1, 2, 0, 1]


def test_percent_and_errors_are_rounded_to_their_interval():
    assert percent(0.8312, 0.8262, 0.8362) == "83.1% ± 0.5%"
    assert percent(0.8312, 0.8311, 0.8313) == "83.120% ± 0.010%"
    assert percent(0.5, math.nan, math.nan) == "50.0%"
    assert with_error(2.165e5, 3e4) == "220,000 ± 30,000"
    assert with_error(0.0123, 0.004) == "0.012 ± 0.004"
    assert rounded(1234.5, math.nan) == "1,234"


def test_the_sensitivity_table_prints_euros_readably(capsys):
    from meedoen.cli.sensitivity import print_sensitivity
    from meedoen.sensitivity import analyse

    def model(p):
        return {"net_savings": 2.165e5 * p["a"] + 3e4 * p["a"] * p["b"]}

    result = analyse(model, {"a": (0, 1), "b": (0, 1)}, "morris", 10, seed=1)
    print_sensitivity(result, "a title [with brackets]", {})
    printed = capsys.readouterr().out
    assert "e+" not in printed and "a title [with brackets]" in printed
    assert re.search(r"net_savings +│ a +│ +2\d\d,\d{3} ± [\d,]+ │", printed), printed


def test_an_amount_that_rounds_to_zero_has_no_minus_sign():
    assert cell(-400.0, -40_000.0, 39_000.0, "euro", diff=True) == "+0k [-40k, +40k]"  # half 39.5k: 395
    assert cell(-400.0, float("nan"), float("nan"), "euro") == "0k"
    assert cell(-1600.0, float("nan"), float("nan"), "euro") == "-2k"


def test_an_outcome_that_is_a_difference_itself_is_shown_with_its_sign():
    # net_savings is against the baseline by definition (Outcome.difference), as the report shows it;
    # a saving printed as "12k" beside changes printed "+12k" read as a level.
    import pandas as pd

    from meedoen.cli.compare import cell as compare_cell

    row = pd.Series({"mean": 12_000.0, "ci_low": 8_000.0, "ci_high": 16_000.0})
    assert compare_cell(row, "net_savings") == "+12k [+8k, +16k]"
    assert compare_cell(row, "cost_per_person_up") == "12k [8k, 16k]"  # a level: no sign
