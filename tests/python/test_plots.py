"""meedoen.plots: each plot is a Figure on the Agg canvas whose data are the numbers it is drawn from."""

import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

import meedoen
from conftest import LEIDEN, cli
from meedoen import plots
from meedoen.compare import compare
from meedoen.summary import mean_interval, participation_rate

# All intervention types of scenarios/leiden.toml appear at this size; 3 replicates give intervals.
LEIDEN_SMALL = ["--scale", "0.05", "--weeks", "30", "--replicates", "3", "--seed", "12345", "--quiet"]
INTERVENTIONS = [
    "home_visits",
    "peer_outreach",
    "signalling_meeting",
    "walk_in",
    "geluksbudget",
    "activation_centre",
    "poverty_signalling",
]
PLOTS = [
    plots.ladder_composition,
    plots.participation_difference,
    plots.participation_by_wijk,
    plots.programme_funnel,
    plots.costs_and_savings,
    plots.cumulative_net_savings,
]


def leiden_small_run(factory: pytest.TempPathFactory) -> tuple[Path, meedoen.Results]:
    """scenarios/leiden.toml at scale 0.05, 30 weeks, 3 replicates, run once a session (test_report too)."""
    out = factory.getbasetemp() / "leiden_small.h5"
    if not out.exists():
        result = cli("run", LEIDEN, *LEIDEN_SMALL, "--threads", "2", "-o", out)
        assert result.returncode == 0, result.stderr
    return out, meedoen.open_results(out)


@pytest.fixture(scope="module")
def leiden_small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, meedoen.Results]:
    return leiden_small_run(tmp_path_factory)


@pytest.fixture(scope="module")
def res(leiden_small):
    return leiden_small[1]


@pytest.fixture(scope="module")
def table(res):
    return compare(res).set_index(["scenario", "wijk", "metric"])


def band_at(collection, x: float) -> tuple[float, float]:
    """The lower and upper y of a fill_between band at x."""
    vertices = collection.get_paths()[0].vertices
    ys = vertices[np.isclose(vertices[:, 0], x), 1]
    return float(ys.min()), float(ys.max())


def by_gid(artists, gid: str):
    (artist,) = [a for a in artists if a.get_gid() == gid]
    return artist


@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
def test_each_plot_is_an_agg_figure_outside_pyplot(res, plot):
    fig = plot(res)
    assert isinstance(fig, Figure)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or not pyplot.get_fignums()
    assert plot.__doc__ and len(plot.__doc__.splitlines()) > 2
    assert all(ax.get_title() for ax in fig.axes) or fig.get_suptitle()


def test_ladder_composition_stacks_the_mean_rung_shares(res):
    fig = plots.ladder_composition(res)
    assert [ax.get_title() for ax in fig.axes] == res.scenarios
    counts = res["combined"].rung_counts.sum("wijk")
    shares = 100 * (counts / counts.sum("rung")).mean("replicate")
    ax = fig.axes[res.scenarios.index("combined")]
    assert [c.get_label() for c in ax.collections] == plots.LABELS["en"]["rungs"]
    last = int(shares.week[-1])
    bottoms = np.concatenate([[0.0], np.cumsum(shares.isel(week=-1).values)])
    for k, layer in enumerate(ax.collections):
        assert band_at(layer, last) == pytest.approx((bottoms[k], bottoms[k + 1]))
    assert bottoms[-1] == pytest.approx(100)
    assert fig.legends and "%" in fig.axes[0].get_ylabel()


def test_participation_difference_is_the_paired_difference_with_its_t_interval(res, table):
    fig = plots.participation_difference(res)
    (ax,) = fig.axes
    others = res.scenarios[1:]
    assert [line.get_label() for line in ax.get_lines() if line.get_gid()] == others
    assert "percentage points" in ax.get_ylabel() and "Week" in ax.get_xlabel()
    base = participation_rate(res["baseline"].rung_counts)
    for name in others:
        diff = 100 * (participation_rate(res[name].rung_counts) - base)
        line, band = by_gid(ax.get_lines(), name), by_gid(ax.collections, name)
        assert line.get_ydata() == pytest.approx(diff.mean("replicate").values)
        for week in (15, 30):
            _, low, high = mean_interval(diff.sel(week=week).values)
            assert band_at(band, week) == pytest.approx((low, high))
        row = table.loc[(name, "all", "participation_rate")]
        assert line.get_ydata()[-1] == pytest.approx(100 * row.diff_mean)
        assert band_at(band, 30) == pytest.approx((100 * row.diff_ci_low, 100 * row.diff_ci_high))


def test_participation_by_wijk_has_a_panel_per_wijk_with_compare_numbers(res, table):
    fig = plots.participation_by_wijk(res)
    wijken = [str(w) for w in res["baseline"].wijk.values]
    assert [ax.get_title() for ax in fig.axes] == wijken
    for ax, wijk in zip(fig.axes, wijken, strict=True):
        for name in res.scenarios[1:]:
            row = 100 * table.loc[(name, wijk, "participation_rate")]
            assert by_gid(ax.get_lines(), name).get_ydata()[-1] == pytest.approx(row.diff_mean, abs=1e-9)
            band = band_at(by_gid(ax.collections, name), 30)
            assert band == pytest.approx((row.diff_ci_low, row.diff_ci_high), abs=1e-9)


def test_programme_funnel_bars_are_the_programme_totals(res):
    fig = plots.programme_funnel(res)
    assert [ax.get_title() for ax in fig.axes] == INTERVENTIONS
    for ax in fig.axes:
        intervention = ax.get_title()
        assert [t.get_text() for t in ax.get_yticklabels()] == plots.LABELS["en"]["funnel"]
        having = [s for s in res.scenarios if intervention in res[s].intervention.values]
        assert [bars.get_label() for bars in ax.containers] == having
        for bars in ax.containers:
            program = res[bars.get_label()]["program"].sel(intervention=intervention, metric=plots.FUNNEL)
            expected = program.sum("week").mean("replicate").values
            assert [bar.get_width() for bar in bars] == pytest.approx(expected)
    assert sum(bar.get_width() for ax in fig.axes for bar in ax.patches) > 0


def test_costs_and_savings_are_those_of_compare_with_their_intervals(res, table):
    fig = plots.costs_and_savings(res)
    (ax,) = fig.axes
    others = res.scenarios[1:]
    assert [t.get_text() for t in ax.get_yticklabels()] == others
    assert "discounted" in ax.get_xlabel()
    cost, saved = [c for c in ax.containers if isinstance(c, BarContainer)]
    for k, name in enumerate(others):
        row = table.loc[(name, "all", "intervention_cost")]
        assert cost[k].get_width() == pytest.approx(row["mean"])
        assert whisker(cost, k) == pytest.approx((row.ci_low, row.ci_high))
        row = table.loc[(name, "all", "provision_cost")]
        assert saved[k].get_width() == pytest.approx(-row.diff_mean)
        assert whisker(saved, k) == pytest.approx((-row.diff_ci_high, -row.diff_ci_low))


def whisker(bars, k: int) -> tuple[float, float]:
    """The x ends of the k-th error bar of a horizontal bar container."""
    (segments,) = [c.get_segments() for c in bars.errorbar.lines[2]]
    (x0, _), (x1, _) = segments[k]
    return min(x0, x1), max(x0, x1)


def test_cumulative_net_savings_ends_at_compare_net_savings(res, table):
    fig = plots.cumulative_net_savings(res)
    (ax,) = fig.axes
    for name in res.scenarios[1:]:
        line = by_gid(ax.get_lines(), name)
        row = table.loc[(name, "all", "net_savings")]
        assert line.get_ydata()[-1] == pytest.approx(row["mean"])
        assert band_at(by_gid(ax.collections, name), 30) == pytest.approx((row.ci_low, row.ci_high))
        never = np.isnan(table.loc[(name, "all", "break_even_week")]["mean"])
        assert line.get_label().endswith("not within the horizon") == never


def test_break_even_week_is_marked_where_compare_finds_it(leiden_small, tmp_path):
    """Halve the provision costs of `combined` from week 15 on: it earns its cost back within 30 weeks."""
    path = tmp_path / "cheaper.h5"
    shutil.copy(leiden_small[0], path)
    with h5py.File(path, "r+") as f:
        items = [i.decode() if isinstance(i, bytes) else str(i) for i in f["combined/item"][:]]
        ledger = f["combined/ledger"][...]
        for k, item in enumerate(items):
            if item.startswith("provision."):
                ledger[:, 15:, k] *= 0.5
        f["combined/ledger"][...] = ledger
    res = meedoen.open_results(path)
    week = compare(res).set_index(["scenario", "metric"]).loc[("combined", "break_even_week"), "mean"]
    assert 15 <= week <= 30
    (ax,) = plots.cumulative_net_savings(res).axes
    marker = by_gid(ax.get_lines(), "combined break-even")
    assert list(marker.get_xdata()) == [week, week]
    assert by_gid(ax.get_lines(), "combined").get_label() == f"combined: break-even in week {week:.0f}"


def test_labels_follow_the_language(res):
    (ax,) = plots.participation_difference(res, lang="nl").axes
    assert "procentpunt" in ax.get_ylabel() and "Week vanaf de start" in ax.get_xlabel()
    assert set(plots.LABELS["nl"]) == set(plots.LABELS["en"])


def test_an_unknown_baseline_is_a_key_error(res):
    with pytest.raises(KeyError, match="no scenario 'nope'"):
        plots.participation_difference(res, baseline="nope")


def test_the_morris_plot_names_each_parameter_once_and_has_a_unit():
    """Labels beside the bars, not stacked at zero where the inert parameters lie; the axis says
    the outcome's unit."""
    from meedoen.sensitivity import analyse

    def model(p):
        return {"net_savings": 2e5 * p["a"] + 1e3 * p["b"], "participation_rate": 0.01 * p["a"]}

    result = analyse(model, {"a": (0, 1), "b": (0, 1), "c": (0, 1), "d": (0, 1)}, "morris", 10, seed=1)
    fig = result.plot()
    first, second = fig.axes[:2]
    assert [t.get_text() for t in first.get_yticklabels()] == ["a", "b", "c", "d"]
    assert len(first.texts) == 0  # no annotations on the points
    assert first.get_xlabel().endswith("(euros)") and second.get_xlabel().endswith("(share of adults)")
    bars = [p.get_width() for p in first.patches]
    assert bars == pytest.approx(list(result.table.mu_star[:4]))
