"""Plots of a results file, for the report and for notebooks.

Each function takes a Results (from ``meedoen.run`` or ``meedoen.open_results``)
and returns a ``matplotlib.figure.Figure`` drawn with the Agg canvas: nothing
touches pyplot's global state, so the figures work in scripts, servers and
notebooks alike (in Jupyter, a Figure as the last expression of a cell shows
itself). Save one with ``fig.savefig("plot.png", dpi=150)``.

    import meedoen
    from meedoen import plots
    res = meedoen.open_results("results/leiden.h5")
    plots.participation_difference(res).savefig("participation.png")

The plots:

- ``ladder_composition``: the share of adults on each rung over time, per scenario;
- ``participation_difference``: the participation-rate difference to the baseline over time;
- ``participation_by_wijk``: the same, one panel per wijk;
- ``programme_funnel``: how many persons each intervention found, visited, ... enrolled;
- ``costs_and_savings``: intervention cost against provision savings, per scenario;
- ``cumulative_net_savings``: net savings added up week by week, with the break-even week;
- ``balance_by_actor``: who pays and who gains, the balance of each actor per scenario (takes the
  table of ``meedoen.mkba.by_actor``);
- ``acceptability_curves``: the chance that each scenario is the best buy at each willingness to
  pay per extra adult moved up, with the frontier (takes ``meedoen.mkba.acceptability``'s table);
- ``posterior_marginals``: a calibration's posterior of each parameter against its prior
  (takes a meedoen.calibration.Posterior, not Results).

- ``sensitivity_indices``: the table of ``meedoen sensitivity`` (Sobol' S1 and ST, or Morris'
  mu* against sigma), one panel per outcome. It takes that table, not a Results.

Every band and error bar is a 95% interval over the replicates; differences to
the baseline are paired by replicate (the scenarios share their chance events),
as in ``meedoen.compare``. Labels are in English (``lang="en"``) or Dutch (``lang="nl"``).
"""

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from meedoen.compare import ALL_WIJKEN, ScenarioMetrics, break_even, compare
from meedoen.results import Results
from meedoen.outcomes import OUTCOMES, participation

__all__ = [
    "FUNNEL",
    "LABELS",
    "costs_and_savings",
    "cumulative_net_savings",
    "ladder_composition",
    "participation_by_wijk",
    "participation_difference",
    "posterior_marginals",
    "programme_funnel",
    "sensitivity_indices",
]

FUNNEL = ["found", "visited", "accepted", "enrolled", "referred"]
LEVEL = 0.95
WIDTH = 10.0  # inches: 1000 pixels at 100 dpi, the width of the report
# ColorBrewer RdYlGn with six classes: rung 1 red (isolated) to rung 6 green (paid work)
RUNG_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850"]
COST, SAVING = "#c0504d", "#4f81bd"
# The actors of meedoen.mkba: the gemeente in the colour of costs, society hatched in grey.
ACTOR_COLOURS = {
    "gemeente": COST,
    "zorgverzekeraar": SAVING,
    "rijk": "#8064a2",
    "deelnemers": "#9bbb59",
    "samenleving": "#7f7f7f",
}

LABELS = {
    "en": {
        "week": "Week since the start (52 weeks = 1 year)",
        "week_short": "week",
        "points": "percentage points",
        "share": "Share of adults (%)",
        "rungs": [
            "1 isolated",
            "2 social contacts outside the home",
            "3 organised activities",
            "4 unpaid work, volunteering",
            "5 paid work with support",
            "6 paid work without support",
        ],
        "ladder_title": "The participation ladder: share of adults on each rung (mean over replicates)",
        "difference": "Participation rate minus {baseline} (percentage points)",
        "difference_title": "Participation (rung 3 or higher): difference to {baseline}, with 95% interval",
        "wijk_title": "Participation per wijk: difference to {baseline}, with 95% interval",
        "funnel": ["found", "visited", "accepted", "enrolled", "referred"],
        "persons": "persons",
        "funnel_title": "Whom each intervention reached over the whole horizon (mean over replicates)",
        "no_interventions": "No scenario has interventions.",
        "no_persons": "reaches no\npersons itself",
        "euros": "Euros over the horizon, discounted to the start",
        "cost": "intervention cost",
        "savings": "provision savings ({baseline} minus scenario)",
        "cost_change": "intervention cost above {baseline}",
        "actors_title": "Who pays and who gains: balance per actor against {baseline}, with 95% interval",
        "balance": "Balance (benefit minus cost), euros over the horizon, discounted",
        "wtp": "Willingness to pay per extra adult moved up (euros)",
        "probability": "Chance of the most adults moved up for the money (%)",
        "ceac_title": "Acceptability against {baseline}: the chance that each scenario is the best buy",
        "frontier": "frontier (highest mean net benefit)",
        "costs_title": "What it costs and what it saves, with 95% interval",
        "cumulative": "Cumulative net savings, discounted (euros)",
        "cumulative_title": "Net savings added up week by week (savings minus costs), with 95% interval",
        "break_even": "{name}: break-even in week {week}",
        "never": "{name}: break-even not within the horizon",
        "thousands": ",",
        "decimal": ".",
        "euro": "€{}",
    },
    "nl": {
        "week": "Week vanaf de start (52 weken = 1 jaar)",
        "week_short": "week",
        "points": "procentpunt",
        "share": "Aandeel van de volwassenen (%)",
        "rungs": [
            "1 geïsoleerd",
            "2 sociale contacten buiten de deur",
            "3 georganiseerde activiteiten",
            "4 onbetaald werk, vrijwilligerswerk",
            "5 betaald werk met ondersteuning",
            "6 betaald werk zonder ondersteuning",
        ],
        "ladder_title": "De participatieladder: aandeel volwassenen per trede (gemiddeld over herhalingen)",
        "difference": "Participatie min {baseline} (procentpunt)",
        "difference_title": "Participatie (trede 3 of hoger): verschil met {baseline}, met 95%-interval",
        "wijk_title": "Participatie per wijk: verschil met {baseline} (procentpunt), met 95%-interval",
        "funnel": ["gevonden", "bezocht", "akkoord", "gestart", "doorverwezen"],
        "persons": "personen",
        "funnel_title": "Wie elke interventie bereikte over de hele periode (gemiddelde van de herhalingen)",
        "no_interventions": "Geen enkel scenario heeft interventies.",
        "no_persons": "bereikt zelf\ngeen personen",
        "euros": "Euro's over de hele periode, contant gemaakt naar de start",
        "cost": "kosten interventies",
        "savings": "besparing op voorzieningen ({baseline} min scenario)",
        "cost_change": "kosten interventies boven {baseline}",
        "actors_title": "Wie betaalt, wie profiteert: saldo per actor tegenover {baseline}, met 95%-interval",
        "balance": "Saldo (baten min kosten), euro over de hele periode, contant gemaakt",
        "wtp": "Wat een extra persoon omhoog mag kosten (euro)",
        "probability": "Kans op de meeste personen omhoog voor het geld (%)",
        "ceac_title": "Aanvaardbaarheid tegenover {baseline}: de kans dat elk scenario de beste keus is",
        "frontier": "grens (hoogste gemiddelde netto opbrengst)",
        "costs_title": "Wat het kost en wat het bespaart, met 95%-interval",
        "cumulative": "Opgetelde netto besparing, contant gemaakt (euro)",
        "cumulative_title": "Netto besparing week na week opgeteld (besparing min kosten), met 95%-interval",
        "break_even": "{name}: terugverdiend in week {week}",
        "never": "{name}: niet terugverdiend binnen de periode",
        "thousands": ".",
        "decimal": ",",
        "euro": "€ {}",
    },
}


def ladder_composition(results: Results, scenarios: list[str] | None = None, lang: str = "en") -> Figure:
    """The share of adults on each rung of the participation ladder, week by week.

    One panel per scenario (all of them unless ``scenarios`` names some), with
    the shares of rungs 1 (bottom) to 6 (top) stacked to 100%. Each share is
    computed per replicate over the whole city and then averaged over the
    replicates. Rung 3 or higher counts as participating.
    """
    text = LABELS[lang]
    names = scenarios or results.scenarios
    fig, axes = _figure(len(names), ncols=4, panel_height=2.4, title=text["ladder_title"], share=True)
    for ax, name in zip(axes, names, strict=True):
        counts = results[name].rung_counts.sum("wijk")
        shares = (counts / counts.sum("rung")).mean("replicate")
        weeks = shares.week.values
        ax.stackplot(weeks, 100 * shares.values.T, labels=text["rungs"], colors=RUNG_COLOURS)
        ax.set_title(name, fontsize="medium")
        ax.set_ylim(0, 100)
        ax.set_xlim(weeks[0], weeks[-1])
        _week_ticks(ax)
    _outer_labels(axes, text["week_short"], text["share"])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)
    return fig


def participation_difference(results: Results, baseline: str | None = None, lang: str = "en") -> Figure:
    """Each scenario's participation rate minus the baseline's, week by week, in percentage points.

    The participation rate is the share of adults on rung 3 or higher, city-wide.
    The line is the mean over the replicates of the difference paired by
    replicate; the band is its 95% t-interval. ``baseline`` defaults to the
    results' first scenario.
    """
    text = LABELS[lang]
    baseline = _baseline(results, baseline)
    title = text["difference_title"].format(baseline=baseline)
    fig, (ax,) = _figure(1, ncols=1, panel_height=4.5, title=title)
    base = participation(results[baseline].rung_counts).compute()  # once (Results are read lazily)
    for name, colour in _others(results, baseline):
        diff = 100 * (participation(results[name].rung_counts) - base)
        _line_with_band(ax, diff.week.values, diff.values, name, colour)
    _zero_line(ax)
    ax.set_ylabel(text["difference"].format(baseline=baseline))
    ax.yaxis.set_major_formatter(_decimal_formatter(text))
    ax.set_xlabel(text["week"])
    _week_ticks(ax)
    _legend_below(fig, ax, ncols=3)
    return fig


def participation_by_wijk(results: Results, baseline: str | None = None, lang: str = "en") -> Figure:
    """Small multiples: the participation-rate difference to the baseline in each wijk, week by week.

    One panel per wijk, all on the same scale, one line per scenario: the mean
    over the replicates of the difference paired by replicate (percentage
    points), with its 95% t-interval as a band.
    """
    text = LABELS[lang]
    baseline = _baseline(results, baseline)
    wijken = [str(w) for w in results[baseline].wijk.values]
    title = text["wijk_title"].format(baseline=baseline)
    fig, axes = _figure(len(wijken), ncols=5, panel_height=2.2, title=title, share=True)
    base = participation(results[baseline].rung_counts, per_wijk=True).compute()
    for name, colour in _others(results, baseline):  # each scenario read once (Results are lazy)
        diff = (100 * (participation(results[name].rung_counts, per_wijk=True) - base)).compute()
        for ax, wijk in zip(axes, wijken, strict=True):
            _line_with_band(ax, diff.week.values, diff.sel(wijk=wijk).values, name, colour)
    for ax, wijk in zip(axes, wijken, strict=True):
        _zero_line(ax)
        ax.set_title(wijk, fontsize="medium")
        _week_ticks(ax)
    axes[0].yaxis.set_major_formatter(_decimal_formatter(text))
    _outer_labels(axes, text["week_short"], text["points"])
    _legend_below(fig, axes[0], ncols=3)
    return fig


def programme_funnel(results: Results, lang: str = "en") -> Figure:
    """How many persons each intervention found, visited, and how many accepted, enrolled, were referred.

    One panel per intervention (by its name in the scenario file), with a bar
    for each scenario that has it at each stage: the totals over the whole
    horizon, averaged over the replicates. Interventions that work on a whole
    wijk (signalling_meeting, volunteer_support) reach no persons themselves.
    """
    text = LABELS[lang]
    programmes = _programmes(results)
    if not programmes:
        fig, (ax,) = _figure(1, ncols=1, panel_height=1.5)
        ax.text(0.5, 0.5, text["no_interventions"], ha="center", va="center")
        ax.set_axis_off()
        return fig
    fig, axes = _figure(len(programmes), ncols=3, panel_height=2.4, title=text["funnel_title"])
    colours = _scenario_colours(results.scenarios)
    stages = np.arange(len(FUNNEL))
    count = _thousands(text)
    for ax, (intervention, scenarios) in zip(axes, programmes.items(), strict=True):
        height = 0.8 / len(scenarios)
        for k, name in enumerate(scenarios):
            y = stages + (k - (len(scenarios) - 1) / 2) * height
            totals = _funnel_totals(results[name], intervention)
            bars = ax.barh(y, totals, height, label=name, color=colours[name])
            ax.bar_label(bars, fmt=count, fontsize="x-small", padding=2)
        ax.set_title(intervention, fontsize="medium")
        ax.set_yticks(stages, text["funnel"])
        ax.invert_yaxis()
        ax.set_xlim(0, max(ax.get_xlim()[1] * 1.15, 1))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: count(value)))
        if not any(bar.get_width() for bar in ax.patches):
            ax.text(0.6, 0.5, text["no_persons"], transform=ax.transAxes, ha="center", va="center")
            ax.set_xticks([])
    _outer_labels(axes, text["persons"], None)
    _legend_below(fig, *axes, ncols=4, order=results.scenarios)
    return fig


def costs_and_savings(
    results: Results, baseline: str | None = None, lang: str = "en", table: pd.DataFrame | None = None
) -> Figure:
    """Per scenario: what its interventions cost above the baseline's against what it saves on
    provisions.

    Both in euros over the whole horizon, discounted to the start at
    ``costs.discount_rate``, as means over the replicates with 95% intervals
    (error bars). The savings are the baseline's provision cost minus the
    scenario's, paired by replicate. The numbers are those of
    ``meedoen.compare``; pass its ``table`` to save computing it again.
    """
    text = LABELS[lang]
    baseline = _baseline(results, baseline)
    table = compare(results, baseline=baseline) if table is None else table
    city = table[table.wijk == ALL_WIJKEN].set_index(["scenario", "metric"])
    names = [name for name, _ in _others(results, baseline)]
    fig, (ax,) = _figure(1, ncols=1, panel_height=0.55 * len(names) + 1.5, title=text["costs_title"])
    y = np.arange(len(names))
    cost = [city.loc[(n, "intervention_cost"), ["diff_mean", "diff_ci_low", "diff_ci_high"]] for n in names]
    saved = [-city.loc[(n, "provision_cost"), ["diff_mean", "diff_ci_high", "diff_ci_low"]] for n in names]
    for offset, rows, label, colour in ((-0.2, cost, "cost_change", COST), (0.2, saved, "savings", SAVING)):
        values = np.array(rows, dtype=float).reshape(len(names), 3)
        errors = np.nan_to_num(np.abs(values[:, 1:].T - values[:, 0]))
        label = text[label].format(baseline=baseline)
        ax.barh(y + offset, values[:, 0], 0.4, xerr=errors, label=label, color=colour, capsize=3)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(text["euros"])
    ax.xaxis.set_major_formatter(_euro_formatter(text))
    _legend_below(fig, ax, ncols=2)
    return fig


def cumulative_net_savings(results: Results, baseline: str | None = None, lang: str = "en") -> Figure:
    """Net savings added up week by week, per scenario, with the break-even week marked.

    Net savings in a week are the baseline's provision cost minus the
    scenario's, minus the scenario's intervention cost, discounted to the
    start. The line is the mean over the replicates of the running total, the
    band its 95% t-interval. The break-even week (as in ``meedoen.compare``:
    the first week from which the mean running total stays above zero) is a
    dotted vertical line; the legend says "not within the horizon" when the
    total does not end above zero.
    """
    text = LABELS[lang]
    baseline = _baseline(results, baseline)
    base = ScenarioMetrics(results[baseline])
    fig, (ax,) = _figure(1, ncols=1, panel_height=4.5, title=text["cumulative_title"])
    for name, colour in _others(results, baseline):
        scenario = ScenarioMetrics(results[name])
        saved = scenario.net_savings(base)  # replicate x week
        week = break_even(saved.mean(axis=0), scenario.weeks)
        label = text["never" if math.isnan(week) else "break_even"].format(name=name, week=f"{week:.0f}")
        _line_with_band(ax, scenario.weeks, np.cumsum(saved, axis=1), label, colour, gid=name)
        if not math.isnan(week):
            ax.axvline(week, color=colour, linestyle=":", linewidth=1.5, gid=f"{name} break-even")
    _zero_line(ax)
    ax.set_ylabel(text["cumulative"])
    ax.yaxis.set_major_formatter(_euro_formatter(text))
    ax.set_xlabel(text["week"])
    _week_ticks(ax)
    _legend_below(fig, ax, ncols=2)
    return fig


def balance_by_actor(table: pd.DataFrame, baseline: str, lang: str = "en") -> Figure:
    """Who pays and who gains: per scenario (other than ``baseline``), the balance of each actor
    and of society, as bars with 95% intervals: the gemeente pays for the interventions while the
    savings may fall to the health insurers and the gains to the participants (the wrong pocket).

    ``table`` is ``meedoen.mkba.by_actor(results, baseline)``; euros over the horizon, discounted.
    """
    from meedoen.mkba import ACTORS, SOCIETY
    from meedoen.mkba import LABELS as ACTOR_LABELS

    text = LABELS[lang]
    rows = table[(table.quantity == "balance") & (table.scenario != baseline)]
    rows = rows.set_index(["scenario", "actor"])
    names = list(dict.fromkeys(rows.index.get_level_values("scenario")))
    actors = [*ACTORS, SOCIETY]
    height = 0.8 / len(actors)
    title = text["actors_title"].format(baseline=baseline)
    fig, (ax,) = _figure(1, ncols=1, panel_height=0.9 * max(len(names), 1) + 1.5, title=title)
    y = np.arange(len(names))
    for k, actor in enumerate(actors):
        values = np.array([rows.loc[(n, actor), ["mean", "ci_low", "ci_high"]] for n in names], dtype=float)
        values = values.reshape(len(names), 3)
        errors = np.nan_to_num(np.abs(values[:, 1:].T - values[:, 0]))
        offset = (k - (len(actors) - 1) / 2) * height
        ax.barh(y + offset, values[:, 0], height, xerr=errors, capsize=2, color=ACTOR_COLOURS[actor],
                label=ACTOR_LABELS[lang][actor], hatch="//" if actor == SOCIETY else None, gid=actor)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(text["balance"])
    ax.xaxis.set_major_formatter(_euro_formatter(text))
    _legend_below(fig, ax, ncols=len(actors))
    return fig


def acceptability_curves(table: pd.DataFrame, baseline: str, lang: str = "en") -> Figure:
    """Cost-effectiveness acceptability curves: per scenario, the chance (over the replicates) that
    it gives the most adults moved up for the money, against the willingness to pay per extra adult
    moved up; the frontier (the scenario with the highest mean net benefit) is drawn over them
    with markers. ``table`` is ``meedoen.mkba.acceptability(results, baseline)``."""
    text = LABELS[lang]
    names = list(dict.fromkeys(table.scenario))
    colours = _scenario_colours(names)
    fig, (ax,) = _figure(1, ncols=1, panel_height=4.5, title=text["ceac_title"].format(baseline=baseline))
    for name in names:
        rows = table[table.scenario == name]
        ax.plot(rows.wtp, 100 * rows.probability, color=colours[name], label=name, gid=name)
    front = table[table.frontier]
    ax.plot(front.wtp, 100 * front.probability, "o", color="black", markersize=3, label=text["frontier"],
            gid="frontier")
    ax.set_ylim(-2, 102)
    ax.set_xlabel(text["wtp"])
    ax.set_ylabel(text["probability"])
    ax.xaxis.set_major_formatter(_euro_formatter(text))
    _legend_below(fig, ax, ncols=3)
    return fig


def posterior_marginals(posterior, true_values: dict[str, float] | None = None) -> Figure:
    """Each calibrated parameter's posterior (the last generation, weighted) against its prior.

    ``posterior`` is a meedoen.calibration.Posterior. The histogram spans the
    prior's range (the uniform prior is the flat line); the 90% interval is
    shaded and the mean marked. ``true_values`` (optional) marks known values,
    as in a recovery check.
    """
    from meedoen.stats import weighted_quantiles

    n = len(posterior.names)
    fig, axes = _figure(n, ncols=min(n, 3), panel_height=3.0, title="Posterior of the calibrated parameters")
    for k, (ax, name) in enumerate(zip(axes, posterior.names, strict=True)):
        x, low, high = posterior.particles[:, k], float(posterior.low[k]), float(posterior.high[k])
        bins = np.linspace(low, high, 21)
        ax.hist(
            x, bins=bins, weights=posterior.weights, density=True, color=SAVING, alpha=0.8, label="posterior"
        )
        ax.axhline(1.0 / (high - low), color="grey", linestyle="--", linewidth=1, label="prior")
        q05, q95 = weighted_quantiles(x, posterior.weights, [0.05, 0.95])
        ax.axvspan(q05, q95, color=SAVING, alpha=0.12, label="90% interval")
        ax.axvline(float(np.sum(posterior.weights * x)), color="black", linewidth=1.2, label="mean")
        if true_values and name in true_values:
            ax.axvline(true_values[name], color=COST, linewidth=1.5, linestyle=":", label="true value")
        ax.set_xlim(low, high)
        ax.set_title(name, fontsize=10)
        ax.set_yticks([])
    _legend_below(fig, axes[0], ncols=5)
    return fig


# The unit of a Morris effect on the axis, by the unit of the outcome (meedoen.outcomes).
MORRIS_UNITS = {"share": "share of adults", "persons": "persons", "euro": "euros", "week": "weeks"}


def sensitivity_indices(table: pd.DataFrame, title: str | None = None) -> Figure:
    """The indices of a sensitivity analysis (meedoen.sensitivity), one panel per outcome.

    For Sobol' indices (columns S1, S1_conf, ST, ST_conf): per parameter a bar
    for S1 (the share of the outcome's variance it explains alone) and one for
    ST (alone and in interaction with the others), each with its 95% bootstrap
    interval as an error bar; an index is a share, 0 to 1, estimated with noise.
    For Morris screening (mu_star, mu_star_conf, sigma): per parameter a bar for
    mu* (the mean absolute effect, in the outcome's unit; error bar: 95%
    interval) and a point for sigma (how much that effect varies), on one axis
    in the outcome's unit, the parameters named beside the bars.
    """
    outcomes = list(dict.fromkeys(table.outcome))
    sobol = "S1" in table.columns
    parameters = list(dict.fromkeys(table.parameter))
    height = 0.45 * len(parameters) + 1.2
    fig, axes = _figure(len(outcomes), ncols=min(3, len(outcomes)), panel_height=height, title=title)
    for k, (ax, outcome) in enumerate(zip(axes, outcomes, strict=True)):
        rows = table[table.outcome == outcome].set_index("parameter").loc[parameters]
        if sobol:
            _sobol_bars(ax, rows, labels=k % axes[0].get_gridspec().ncols == 0)
        else:
            _morris_bars(ax, rows, outcome, labels=k % axes[0].get_gridspec().ncols == 0)
        ax.set_title(outcome, fontsize="medium")
    _legend_below(fig, *axes, ncols=2)
    return fig


def _sobol_bars(ax, rows: pd.DataFrame, labels: bool) -> None:
    """S1 and ST per parameter as horizontal bars with their 95% intervals."""
    y = np.arange(len(rows))
    names = {"S1": "S1: alone", "ST": "ST: alone and in interactions"}
    for offset, index, colour in ((-0.2, "S1", SAVING), (0.2, "ST", COST)):
        errors = np.nan_to_num(rows[f"{index}_conf"].to_numpy(dtype=float))
        ax.barh(y + offset, rows[index], 0.4, xerr=errors, color=colour, capsize=3, label=names[index])
    ax.set_yticks(y, rows.index if labels else [""] * len(rows))
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    low, high = ax.get_xlim()
    ax.set_xlim(min(low, -0.05), max(high, 1.05))
    ax.set_xlabel("share of the variance")


def _morris_bars(ax, rows: pd.DataFrame, outcome: str, labels: bool) -> None:
    """mu* per parameter as horizontal bars with their 95% intervals, sigma as points beside them,
    on an axis in the outcome's unit."""
    y = np.arange(len(rows))
    errors = np.nan_to_num(rows["mu_star_conf"].to_numpy(dtype=float))
    ax.barh(y, rows["mu_star"], 0.5, xerr=errors, color=SAVING, capsize=3, label="mu*: mean absolute effect")
    ax.plot(rows["sigma"], y, "D", color=COST, label="sigma: how much the effect varies")
    ax.set_yticks(y, rows.index if labels else [""] * len(rows))
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    unit = MORRIS_UNITS.get(OUTCOMES[outcome].unit if outcome in OUTCOMES else "", "in the outcome's unit")
    ax.set_xlabel(f"effect of a step across the range ({unit})")


def _figure(
    panels: int, ncols: int, panel_height: float, title: str | None = None, share: bool = False
) -> tuple[Figure, list]:
    """A figure on the Agg canvas with ``panels`` axes in rows of ``ncols`` (unused places removed).

    With ``share`` the panels share both axes and only the outer ones show tick labels.
    """
    ncols = min(ncols, panels)
    nrows = math.ceil(panels / ncols)
    fig = Figure(figsize=(WIDTH, panel_height * nrows + 1.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(nrows, ncols, squeeze=False, sharex=share, sharey=share).flat)
    for ax in axes[panels:]:
        ax.remove()
    if title:
        fig.suptitle(title)
    return fig, axes[:panels]


def _outer_labels(axes: list, xlabel: str, ylabel: str | None) -> None:
    """Axis labels on the outer panels: the y label in the first column, the x label (and the
    tick labels) on the lowest panel of each column."""
    ncols = axes[0].get_gridspec().ncols
    for k, ax in enumerate(axes):
        if k % ncols == 0 and ylabel:
            ax.set_ylabel(ylabel)
        if k + ncols >= len(axes):
            ax.set_xlabel(xlabel)
            ax.tick_params(labelbottom=True)


def _legend_below(fig: Figure, *axes, ncols: int, order: list[str] | None = None) -> None:
    """One legend under the figure for the labelled artists of ``axes``, each label once, in ``order``."""
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    labels = [label for label in order if label in entries] if order else list(entries)
    handles = [entries[label] for label in labels]
    fig.legend(handles, labels, loc="outside lower center", ncols=min(ncols, len(labels)))


def _baseline(results: Results, baseline: str | None) -> str:
    baseline = baseline or results.scenarios[0]
    if baseline not in results.scenarios:
        raise KeyError(f"no scenario {baseline!r} (the scenarios are {', '.join(results.scenarios)})")
    return baseline


def _others(results: Results, baseline: str) -> list[tuple[str, str]]:
    """The scenarios other than the baseline, each with its colour."""
    colours = _scenario_colours(results.scenarios)
    return [(name, colours[name]) for name in results.scenarios if name != baseline]


def _scenario_colours(scenarios: list[str]) -> dict[str, str]:
    """A fixed colour per scenario, the same in every plot (tab10, in the results' order)."""
    return {name: f"C{k % 10}" for k, name in enumerate(scenarios)}


def _mean_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean over axis 0 and its 95% t-interval, as meedoen.summary.mean_interval, per column."""
    from scipy import stats  # here, not above: it takes most of a second to import

    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=0)
    n = values.shape[0]
    if n < 2:
        return mean, np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    half = stats.t.ppf(0.5 + LEVEL / 2, df=n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def _line_with_band(ax, weeks: np.ndarray, values, label: str, colour: str, gid: str = "") -> None:
    """The mean over replicates (axis 0 of ``values``) as a line, its 95% interval as a band.

    Both carry ``gid`` (default: the label), so that a test can find them.
    """
    mean, low, high = _mean_band(values)
    ax.plot(weeks, mean, color=colour, label=label, linewidth=1.6, gid=gid or label)
    ax.fill_between(weeks, low, high, color=colour, alpha=0.18, linewidth=0, gid=gid or label)


def _programmes(results: Results) -> dict[str, list[str]]:
    """Each intervention name, in order of first appearance, with the scenarios that have it."""
    programmes: dict[str, list[str]] = {}
    for name in results.scenarios:
        for intervention in results[name].intervention.values:
            programmes.setdefault(str(intervention), []).append(name)
    return programmes


def _funnel_totals(ds: xr.Dataset, intervention: str) -> np.ndarray:
    """Persons found ... referred by one intervention: totals over the weeks, mean over the replicates."""
    program = ds["program"].sel(intervention=intervention, metric=FUNNEL)
    return program.sum("week").mean("replicate").values


def _zero_line(ax) -> None:
    ax.axhline(0, color="black", linewidth=0.8)


def _week_ticks(ax) -> None:
    """A tick each year (52 weeks) when the horizon is two years or more."""
    low, high = ax.get_xlim()
    if high - low >= 104:
        ax.xaxis.set_major_locator(MultipleLocator(52))


def _thousands(text: dict) -> Callable[[float], str]:
    """A function that writes a whole number with the language's thousands separator."""
    return lambda value: f"{value:,.0f}".replace(",", text["thousands"])


def _decimal_formatter(text: dict) -> FuncFormatter:
    """Tick labels with the language's decimal sign (0.05 or 0,05)."""
    return FuncFormatter(lambda value, _: f"{value:g}".replace(".", text["decimal"]))


def _euro_formatter(text: dict) -> FuncFormatter:
    """Whole euros with the language's thousands separator: €1,250,000 or € 1.250.000."""

    def euro(value: float, _position: int) -> str:
        return ("-" if value < 0 else "") + text["euro"].format(_thousands(text)(abs(value)))

    return FuncFormatter(euro)
