"""The HTML report of a results file: ``meedoen report OUT.h5 -o REPORT.html``.

One self-contained page for a wethouder's staff: the question, the scenarios
and their interventions, the headline table with 95% intervals (the numbers of
``meedoen.compare``), the plots of ``meedoen.plots`` as embedded PNG images,
every assumption with its value as used, the scenario file and the provenance.
It has no external references and no JavaScript: it opens offline, from a mail
attachment or a file share, and prints.

    import meedoen
    from meedoen.report import write_report
    write_report(meedoen.open_results("results/leiden.h5"), "results/leiden.html", lang="en")

Dutch (``nl``) is the default language; ``en`` gives English. All words of the
page are in TEXT, one dict per language; the plots' words are in plots.LABELS, the note
on a scale other than 1 in meedoen.scale_note.
"""

import base64
import io
import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import jinja2
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from meedoen import __version__, _core, plots
from meedoen._core import Experiment, parameters
from meedoen.breakeven import report_section as breakeven_section
from meedoen.compare import ALL_WIJKEN, by_actor, compare
from meedoen.conclusion import conclusion
from meedoen.mkba import ACTORS, QUANTITIES, SOCIETY, acceptability, by_item, payback, per_year
from meedoen.mkba import LABELS as ACTOR_LABELS
from meedoen.outcomes import OUTCOMES, UNBOUNDED, decimals, end_places, fixed, has_interval
from meedoen.results import Results
from meedoen.scale_note import scale_note

__all__ = ["LANGUAGES", "TEXT", "render_report", "write_report"]

LANGUAGES = ("nl", "en")
# The headline table: each scenario's outcomes (a paired one as its difference to the baseline).
HEADLINE = [
    "participation_rate",
    "isolated",
    "persons_up",
    "intervention_cost",
    "net_savings",
    "cost_per_person_up",
    "break_even_week",
]
# The baseline's own levels of the paired outcomes, shown above the headline table.
LEVELS = [name for name, outcome in OUTCOMES.items() if outcome.paired]
# How each way of showing a number goes: a factor and the decimals (more when the interval is narrow).
AMOUNTS = {"pp": (100, 2), "percent": (100, 1), "persons": (1, 1), "euro": (1, 0), "week": (1, 0)}
DPI = 100

TEXT = {
    "nl": {
        "title": "Meedoen: {name}",
        "subtitle": "Simulatie van participatie in Leiden: beleidsscenario's vergeleken",
        "question_head": "De vraag",
        "question": (
            "Wat levert elk scenario op voor de deelname van volwassen Leidenaren aan de samenleving (de "
            "participatieladder), wat kost het en wat bespaart het, vergeleken met het referentiescenario "
            "“{baseline}”?"
        ),
        "method": (
            "Het model volgt {population} week na week, {weeks} weken lang ({years} jaar), en herhaalt dat "
            "{replicates} keer met andere toevalsgebeurtenissen. Alle scenario's hebben dezelfde inwoners "
            "en dezelfde toevalsgebeurtenissen, dus een verschil tussen twee scenario's komt door het "
            "beleid en niet door toeval. "
        ),
        "intervals": (
            "Elk getal is een gemiddelde over de herhalingen met een 95%-interval tussen haken: de marge "
            "waarbinnen het gemiddelde met 95% zekerheid ligt."
        ),
        "one_replicate": (
            "Met één herhaling is er geen interval: elk getal is de uitkomst van die ene herhaling, en hoe "
            "zeker die is blijkt pas uit meer herhalingen."
        ),
        "everyone": "alle inwoners van {population}",
        "sample": "{share} van de inwoners van {population}",
        "population_file": "de populatie in {file}",
        "shared_parameters": "Voor alle scenario's gewijzigde aannames: {changes}.",
        "scenarios_head": "De scenario's",
        "scenario": "scenario",
        "interventions": "interventies",
        "changes": "gewijzigde aannames",
        "baseline_mark": "referentie",
        "no_interventions": "geen (het huidige beleid)",
        "everywhere": "in alle wijken",
        "in_wijken": "in {wijken}",
        "weeks": "weken {start} tot en met {end}",
        "end": "het eind",
        "headline_head": "De uitkomsten",
        "levels": "In het referentiescenario “{baseline}”, aan het eind van de periode:",
        "headline": (
            "Verschil met “{baseline}” aan het eind van de periode, en kosten en besparingen over de hele "
            "periode:"
        ),
        "bold": "Vet: het 95%-interval sluit nul uit (het verschil is duidelijk).",
        "never": "niet binnen de periode",
        "none": "—",
        "interval": "[{low}; {high}]",
        "money_note": (
            "Euro's zijn contant gemaakt naar de start met de disconteringsvoet costs.discount_rate. De "
            "intervallen van de kosten per persoon en van de terugverdienweek komen uit een bootstrap over "
            "de herhalingen."
        ),
        "actors_head": "Wie betaalt, wie profiteert",
        "actors": (
            "Per scenario tegenover “{baseline}”, over de hele periode en contant gemaakt. Kosten: wat een "
            "partij meer uitgeeft aan de interventies. Baten: wat ze bespaart op wat ze betaalt, en wat ze "
            "meer ontvangt (netto loon, belastingen en premies, en het welzijn van minder eenzame en "
            "geïsoleerde inwoners, gewaardeerd per QALY). Saldo: baten min kosten. De samenleving is alle "
            "partijen samen; de bijstandsuitkering gaat van de gemeente naar de deelnemers en valt daar weg."
        ),
        "actors_note": (
            "Baten/kosten: de baten van de samenleving gedeeld door haar kosten (boven 1: het scenario "
            "levert de samenleving meer op dan het kost), met een bootstrap-interval; — als het scenario "
            "niet meer kost dan “{baseline}”. De prijzen staan in docs/parameters.md (costs.*)."
        ),
        "actor": "partij",
        "quantities": {"cost": "kosten", "benefit": "baten", "balance": "saldo", "ratio": "baten/kosten"},
        "conclusion_head": "Conclusie",
        "caveats_head": "Waar het antwoord van afhangt",
        "per_year_head": "Per jaar",
        "per_year": (
            "Het saldo van elke partij per jaar, in euro's zoals ze dat jaar betaald of ontvangen worden "
            "(niet contant gemaakt), tegenover “{baseline}”; de laatste kolom is het contant gemaakte "
            "totaal van de tabel hierboven. Jaar 1 is week 1 tot en met 52."
        ),
        "year": "jaar {year}",
        "total_paid": "totaal",
        "total_discounted": "totaal contant",
        "figures_head": "Grafieken",
        "figures": {
            "participation_difference": (
                "Participatie: verschil met {baseline}",
                "Boven nul: meer volwassenen doen mee dan in {baseline}. De band is het 95%-interval; "
                "raakt de band nul, dan is het verschil niet duidelijk.",
            ),
            "participation_by_wijk": (
                "Participatie per wijk",
                "Hetzelfde verschil per wijk, op dezelfde schaal. In kleine wijken springt de lijn bij elke "
                "persoon.",
            ),
            "ladder_composition": (
                "De participatieladder",
                "Hoe de volwassenen over de zes treden verdeeld zijn, week na week, per scenario.",
            ),
            "programme_funnel": (
                "Bereik van de interventies",
                "Per interventie: hoeveel personen gevonden, bezocht, akkoord, gestart en doorverwezen "
                "zijn, opgeteld over de hele periode. Staat een interventie in meer scenario's, dan staan "
                "die naast elkaar.",
            ),
            "costs_and_savings": (
                "Kosten en besparingen",
                "Rood: wat de interventies meer kosten dan in {baseline}. Blauw: wat het scenario tegenover "
                "{baseline} bespaart op uitkeringen en zorg. De strepen zijn 95%-intervallen.",
            ),
            "balance_by_actor": (
                "Wie betaalt, wie profiteert",
                "Het saldo van elke partij per scenario. Staat de gemeente links van nul terwijl "
                "zorgverzekeraars of deelnemers rechts staan, dan komt de opbrengst in een andere zak "
                "terecht dan waar de kosten vandaan komen.",
            ),
            "cumulative_net_savings": (
                "Terugverdienen",
                "De netto besparing week na week opgeteld. Waar de lijn blijvend boven nul komt, is het "
                "scenario terugverdiend (stippellijn); de legenda noemt die week.",
            ),
            "acceptability_curves": (
                "De kans dat een scenario de beste keus is",
                "Voor elk bedrag dat een extra persoon omhoog op de ladder mag kosten (tegenover "
                "{baseline}): in welk deel van de herhalingen elk scenario de hoogste netto opbrengst "
                "heeft (dat bedrag maal de extra personen omhoog, min de extra kosten). De zwarte punten "
                "volgen het scenario met de hoogste gemiddelde netto opbrengst. Een run met "
                "parametertrekkingen (meedoen run --posterior of --ranges) neemt ook de onzekerheid van de "
                "aannames mee.",
            ),
        },
        "assumptions_head": "Aannames",
        "assumptions": (
            "Deze {count} parameters zijn aannames: er is (nog) geen cijfer voor, en ze wachten op "
            "kalibratie. De waarde is die van {baseline}; een gemarkeerde regel heeft in een of meer "
            "scenario's een andere waarde ({differ}). Een aanname van een interventie geldt alleen "
            "in de scenario's met die interventie. De omschrijvingen zijn in het Engels, zoals in "
            "docs/parameters.md."
        ),
        "parameter": "parameter",
        "value": "waarde in {baseline}",
        "unit": "eenheid",
        "differs": "anders in",
        "meaning": "omschrijving",
        "used_in": "interventie in: {scenarios}",
        "file_head": "Het scenariobestand",
        "file": "De volledige tekst van het scenariobestand waarmee gerekend is.",
        "provenance_head": "Herkomst",
        "provenance": {
            "experiment_name": "experiment",
            "meedoen_version": "versie van Meedoen",
            "git_commit": "commit",
            "created_utc": "gemaakt (UTC)",
            "seed": "seed",
            "weeks": "weken",
            "replicates": "herhalingen",
            "scale": "schaal",
        },
        "footer": (
            "Rapport gemaakt met meedoen {version}. Dezelfde invoer en seed geven precies dezelfde "
            "uitkomsten."
        ),
        "rows": ("{} regel", "{} regels"),
        "thousands": ".",
        "decimal": ",",
        "units": {"pp": "{} %-punt", "percent": "{}%", "persons": "{}", "euro": "€ {}", "week": "week {}"},
    },
    "en": {
        "title": "Meedoen: {name}",
        "subtitle": "Simulation of participation in Leiden: policy scenarios compared",
        "question_head": "The question",
        "question": (
            "What does each scenario achieve for the participation of Leiden's adults in society (the "
            "participation ladder), what does it cost and what does it save, compared with the reference "
            "scenario “{baseline}”?"
        ),
        "method": (
            "The model follows {population} week by week for {weeks} weeks ({years} years), and repeats "
            "that {replicates} times with other chance events. All scenarios share the residents and the "
            "chance events, so a difference between two scenarios comes from their policies, not from luck. "
        ),
        "intervals": (
            "Each number is a mean over the repetitions with its 95% interval in brackets: the range that "
            "holds the mean with 95% confidence."
        ),
        "one_replicate": (
            "With one replicate there is no interval: each number is that one replicate's outcome, and how "
            "certain it is shows only with more replicates."
        ),
        "everyone": "every resident of {population}",
        "sample": "{share} of the residents of {population}",
        "population_file": "the population in {file}",
        "shared_parameters": "Assumptions changed for every scenario: {changes}.",
        "scenarios_head": "The scenarios",
        "scenario": "scenario",
        "interventions": "interventions",
        "changes": "changed assumptions",
        "baseline_mark": "reference",
        "no_interventions": "none (today's policy)",
        "everywhere": "in every wijk",
        "in_wijken": "in {wijken}",
        "weeks": "weeks {start} to {end}",
        "end": "the end",
        "headline_head": "The outcomes",
        "levels": "In the reference scenario “{baseline}”, at the end of the horizon:",
        "headline": (
            "Difference to “{baseline}” at the end of the horizon, and costs and savings over the whole "
            "horizon:"
        ),
        "bold": "Bold: the 95% interval excludes zero (a clear difference).",
        "never": "not within the horizon",
        "none": "—",
        "interval": "[{low}, {high}]",
        "money_note": (
            "Euros are discounted to the start at the discount rate costs.discount_rate. The intervals of "
            "the cost per person and of the break-even week come from a bootstrap over the replicates."
        ),
        "actors_head": "Who pays, who gains",
        "actors": (
            "Per scenario against “{baseline}”, over the whole horizon, discounted. Cost: what an actor "
            "spends more on the interventions. Benefit: what it saves on what it pays, and what it receives "
            "more (net wages, taxes and premiums, and the well-being of fewer lonely and isolated residents, "
            "valued per QALY). Balance: benefit minus cost. Society is all actors together; the bijstand "
            "benefit goes from the municipality to the participants and cancels out there."
        ),
        "actors_note": (
            "Benefit/cost: society's benefit divided by its cost (above 1: the scenario gives society more "
            "than it costs), with a bootstrap interval; — when the scenario costs no more than "
            "“{baseline}”. The prices are in docs/parameters.md (costs.*)."
        ),
        "actor": "actor",
        "quantities": {"cost": "cost", "benefit": "benefit", "balance": "balance", "ratio": "benefit/cost"},
        "conclusion_head": "Conclusion",
        "caveats_head": "What the answer depends on",
        "per_year_head": "Per year",
        "per_year": (
            "Each actor's balance per year, in euros as paid or received that year (not discounted), "
            "against “{baseline}”; the last column is the discounted total of the table above. Year 1 "
            "is weeks 1 to 52."
        ),
        "year": "year {year}",
        "total_paid": "total",
        "total_discounted": "discounted total",
        "figures_head": "Plots",
        "figures": {
            "participation_difference": (
                "Participation: difference to {baseline}",
                "Above zero: more adults take part than in {baseline}. The band is the 95% interval; "
                "where it touches zero, the difference is not clear.",
            ),
            "participation_by_wijk": (
                "Participation per wijk",
                "The same difference per wijk, on one scale. In small wijken the line jumps with each "
                "person.",
            ),
            "ladder_composition": (
                "The participation ladder",
                "How the adults are spread over the six rungs, week by week, per scenario.",
            ),
            "programme_funnel": (
                "Reach of the interventions",
                "Per intervention: how many persons were found, visited, accepted, enrolled and referred, "
                "over the whole horizon. An intervention in several scenarios has a bar for each.",
            ),
            "costs_and_savings": (
                "Costs and savings",
                "Red: what the interventions cost above {baseline}. Blue: what the scenario saves on "
                "benefits and care against {baseline}. The whiskers are 95% intervals.",
            ),
            "balance_by_actor": (
                "Who pays, who gains",
                "Each actor's balance per scenario. Where the municipality is left of zero while the health "
                "insurers or the participants are right of it, the returns land in another pocket than "
                "the one that paid.",
            ),
            "cumulative_net_savings": (
                "Earning it back",
                "The net savings added up week by week. Where the line stays above zero the scenario has "
                "earned its cost back (dotted line); the legend names that week.",
            ),
            "acceptability_curves": (
                "The chance that a scenario is the best buy",
                "For each amount an extra adult moved up the ladder may cost (against {baseline}): in "
                "which share of the replicates each scenario has the highest net benefit (that amount "
                "times the extra adults moved up, less the extra cost). The black dots follow the scenario "
                "with the highest mean net benefit. A run with parameter draws (meedoen run --posterior or "
                "--ranges) carries the uncertainty of the assumptions too.",
            ),
        },
        "assumptions_head": "Assumptions",
        "assumptions": (
            "These {count} parameters are assumptions: no figure exists for them (yet), and they await "
            "calibration. The value is that of {baseline}; a marked row has another value in one or more "
            "scenarios ({differ}). An intervention's assumption matters only in the scenarios with "
            "that intervention."
        ),
        "parameter": "parameter",
        "value": "value in {baseline}",
        "unit": "unit",
        "differs": "differs in",
        "meaning": "meaning",
        "used_in": "intervention in: {scenarios}",
        "file_head": "The scenario file",
        "file": "The full text of the scenario file the results were computed from.",
        "provenance_head": "Provenance",
        "provenance": {
            "experiment_name": "experiment",
            "meedoen_version": "Meedoen version",
            "git_commit": "commit",
            "created_utc": "created (UTC)",
            "seed": "seed",
            "weeks": "weeks",
            "replicates": "replicates",
            "scale": "scale",
        },
        "footer": (
            "Report made with meedoen {version}. The same input and seed give exactly the same results."
        ),
        "rows": ("{} row", "{} rows"),
        "thousands": ",",
        "decimal": ".",
        "units": {"pp": "{} pp", "percent": "{}%", "persons": "{}", "euro": "€{}", "week": "week {}"},
    },
}


def render_report(
    results: Results, lang: str = "nl", baseline: str | None = None, break_even: pd.DataFrame | None = None
) -> str:
    """The report of ``results`` as one HTML page (a string), in ``lang`` ("nl" or "en").

    ``baseline`` defaults to the results' first scenario. ``break_even``: a table of
    meedoen.breakeven (read_table) for a section "the effect needed to break even". Raises KeyError for
    an unknown language or baseline, and meedoen.InputError when the engine cannot
    read the results' scenario text again (its population file has gone).
    """
    text = TEXT[lang]
    baseline = baseline or results.scenarios[0]
    table = compare(results, baseline=baseline)
    actors = by_actor(results, baseline=baseline)
    paid = by_actor(results, baseline=baseline, discounted=False)
    years = per_year(results, baseline=baseline)
    attrs = results.attrs
    if attrs.get("replicates") == 1:  # no interval, so none excludes zero: say why instead
        text = {**text, "bold": text["one_replicate"]}
    experiment = _experiment(results)
    settings = {s: _settings(experiment, s) for s in results.scenarios}
    shared = _shared(settings)
    page = {
        "lang": lang,
        "text": text,
        "name": attrs.get("experiment_name", ""),
        "baseline": baseline,
        "scale_note": scale_note(results.scale, lang),
        "method": _method(attrs, experiment, text),
        "shared_parameters": _changes(shared, text),
        "scenarios": [
            _scenario(experiment, name, settings[name], shared, text, name == baseline)
            for name in results.scenarios
        ],
        "levels": _cells(table, [baseline], [(m, "mean") for m in LEVELS], text)[0]["cells"],
        "headline": _cells(table, [s for s in results.scenarios if s != baseline], _headline(), text),
        "metrics": {m: (OUTCOMES[m].label[lang], OUTCOMES[m].description[lang]) for m in LEVELS + HEADLINE},
        "figures": [
            _figure(key, fig, text, baseline) for key, fig in _plots(results, baseline, lang, table).items()
        ],
        "actors": _actors(actors, baseline, text, lang),
        "per_year": _per_year(years, paid, actors, baseline, text, lang),
        "conclusion": _conclusion(results, baseline, table, actors, years, lang),
        "actors_figure": _figure(
            "balance_by_actor", plots.balance_by_actor(actors, baseline, lang), text, baseline
        ),
        "break_even": None if break_even is None else breakeven_section(break_even, lang),
        "assumptions": _assumptions(results, experiment, baseline, text),
        "value_head": text["value"].format(baseline=baseline),
        "experiment": attrs.get("experiment", ""),
        "provenance": [(label, attrs.get(key, "")) for key, label in text["provenance"].items()],
        "version": __version__,
    }
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("meedoen", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2").render(page)


def write_report(
    results: Results,
    path: str | os.PathLike[str],
    lang: str = "nl",
    baseline: str | None = None,
    break_even: pd.DataFrame | None = None,
) -> None:
    """Write the report of ``results`` to ``path`` (see render_report).

    Written beside the target under a temporary name and renamed when complete,
    so that ``path`` is either left as it was or holds the whole report.
    """
    page = render_report(results, lang=lang, baseline=baseline, break_even=break_even)
    partial = Path(f"{os.fspath(path)}.partial")
    try:
        partial.write_text(page, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _method(attrs: dict, experiment: Experiment, text: dict) -> str:
    scale = float(attrs.get("scale", 1.0))
    data = experiment.population_data  # "leiden" (the embedded data) or the path of a population file
    name = "Leiden" if data == "leiden" else text["population_file"].format(file=Path(data).name)
    if scale == 1.0:
        population = text["everyone"].format(population=name)
    else:
        population = text["sample"].format(share=_share(scale, text), population=name)
    weeks = int(attrs.get("weeks", 0))
    replicates = attrs.get("replicates", "")
    method = text["method"].format(
        population=population,
        weeks=weeks,
        years=_number(round(weeks / 52, 1), text, "g"),
        replicates=replicates,
    )
    return method + text["one_replicate" if replicates == 1 else "intervals"]


def _experiment(results: Results) -> Experiment:
    """The experiment of the results' scenario text, read again by the engine, with the results'
    scenarios. Its relative data paths are read from the scenario file's folder (results
    attribute source_path), or, for a file written without it, from the current folder."""
    text = str(results.attrs.get("experiment", ""))
    path = str(results.attrs.get("source_path", "") or Path.cwd() / "scenario.toml")
    return _core.parse_experiment(text, path).select(results.scenarios)


def _settings(experiment: Experiment, scenario: str) -> dict[str, object]:
    """The parameters the scenario file sets for ``scenario`` (in [parameters] or its
    [scenario.parameters]), with their values, where they differ from the registry's default."""
    return {
        p["name"]: value
        for p in parameters()
        if experiment.file_sets(p["name"])
        and (value := experiment.parameter(p["name"], scenario)) != p["default"]
    }


def _shared(settings: dict[str, dict[str, object]]) -> dict[str, object]:
    """The settings that every scenario has, with the same value."""
    first, *others = settings.values()
    return {k: v for k, v in first.items() if all(k in o and o[k] == v for o in others)}


def _scenario(
    experiment: Experiment, name: str, settings: dict, shared: dict, text: dict, is_baseline: bool
) -> dict:
    """One scenario as the page shows it: its interventions and its changed parameters."""
    own = {k: v for k, v in settings.items() if k not in shared}
    return {
        "name": name,
        "is_baseline": is_baseline,
        "interventions": [_intervention(experiment, name, i, text) for i in experiment.interventions(name)],
        "changes": _changes(own, text),
    }


def _intervention(experiment: Experiment, scenario: str, spec: dict, text: dict) -> dict:
    """One intervention as the engine has it: where, when, and the settings of its own table."""
    kind, name = spec["type"], spec["name"]
    everywhere = sorted(spec["wijken"]) == sorted(experiment.wijk_names)
    where = text["everywhere"] if everywhere else text["in_wijken"].format(wijken=", ".join(spec["wijken"]))
    when = ""
    if spec["start_week"] != 1 or spec["end_week"] is not None:
        end = text["end"] if spec["end_week"] is None else spec["end_week"]
        when = text["weeks"].format(start=spec["start_week"], end=end)
    settings = [
        f"{key} = {_value(value, text)}" for key, value in _own_settings(experiment, scenario, spec).items()
    ]
    kind = kind if kind != name else ""
    return {"name": name, "type": kind, "where": where, "when": when, "settings": settings}


def _own_settings(experiment: Experiment, scenario: str, spec: dict) -> dict[str, object]:
    """The parameters of an intervention's type that its own table sets (a value other than the
    scenario's), by their key within the type."""
    prefix = spec["type"] + "."
    own = {}
    for p in parameters():
        if p["name"].startswith(prefix):
            value = experiment.parameter(p["name"], scenario, spec["name"])
            if value != experiment.parameter(p["name"], scenario):
                own[p["name"].removeprefix(prefix)] = value
    return own


def _changes(settings: dict[str, object], text: dict) -> str:
    """Parameter settings as "name = value, ..."."""
    return ", ".join(f"{name} = {_value(value, text)}" for name, value in settings.items())


def _headline() -> list[tuple[str, str]]:
    """The headline's outcomes with the column of compare() each shows."""
    return [(m, "diff_mean" if OUTCOMES[m].paired else "mean") for m in HEADLINE]


def _cells(
    table: pd.DataFrame, scenarios: list[str], columns: list[tuple[str, str]], text: dict
) -> list[dict]:
    """Rows of the headline (or levels) table: per scenario, one cell per outcome with its interval."""
    city = table[table.wijk == ALL_WIJKEN].set_index(["scenario", "metric"])
    return [
        {"scenario": name, "cells": [_cell(city.loc[(name, m)], m, column, text) for m, column in columns]}
        for name in scenarios
    ]


def _cell(row: pd.Series, metric: str, column: str, text: dict) -> dict:
    """One number of compare(): its exact value (for machines) and its text with interval (for people),
    rounded to the digits its interval supports (outcomes.decimals, outcomes.end_places)."""
    value = float(row[column])
    low, high = (row.ci_low, row.ci_high) if column == "mean" else (row.diff_ci_low, row.diff_ci_high)
    outcome = OUTCOMES[metric]
    difference = column == "diff_mean" or outcome.difference
    unit = {"share": "pp" if column == "diff_mean" else "percent"}.get(outcome.unit, outcome.unit)
    shown, interval = text["never" if unit == "week" else "none"], ""
    show = has_interval(value, low, high)
    factor, default = AMOUNTS[unit]
    places = default
    if show and unit != "week":
        places = decimals(default, factor * low, factor * high, factor * value)
    if not math.isnan(value):
        shown = _amount(value, unit, places, text, signed=difference)
    if show:
        low_text, high_text = (_end(v, unit, places, text, difference) for v in (low, high))
        interval = text["interval"].format(low=low_text, high=high_text)
    return {
        "metric": metric,
        "column": column,
        "value": _exact(value),
        "low": _exact(low),
        "high": _exact(high),
        "text": shown,
        "interval": interval,
        "excludes_zero": difference and (low > 0 or high < 0),
    }


def _end(value: float, unit: str, places: int, text: dict, signed: bool) -> str:
    """An end of an interval, without its unit; at +inf (no upper end) "∞", or for a week the
    language's "not within the horizon"."""
    if math.isinf(value):
        return text["never"] if unit == "week" else UNBOUNDED
    return _amount(value, unit, end_places(AMOUNTS[unit][0] * value, places), text, signed, bare=True)


def _amount(value: float, unit: str, places: int, text: dict, signed: bool, bare: bool = False) -> str:
    """A number in its unit (or ``bare``, without it) with ``places`` decimals and the language's
    format; ``signed`` shows a + too."""
    factor, _ = AMOUNTS[unit]
    digits = _number(factor * abs(value), text, places)
    nonzero = any(c in "123456789" for c in digits)
    sign = "-" if value < 0 and nonzero else "+" if signed and value > 0 and nonzero else ""
    return sign + (digits if bare else text["units"][unit].format(digits))


def _plots(results: Results, baseline: str, lang: str, table: pd.DataFrame) -> dict[str, Figure]:
    """The plots of the report, in their order, keyed by the name of their function in meedoen.plots."""
    return {
        "participation_difference": plots.participation_difference(results, baseline, lang),
        "participation_by_wijk": plots.participation_by_wijk(results, baseline, lang),
        "ladder_composition": plots.ladder_composition(results, lang=lang),
        "programme_funnel": plots.programme_funnel(results, lang),
        "costs_and_savings": plots.costs_and_savings(results, baseline, lang, table),
        "cumulative_net_savings": plots.cumulative_net_savings(results, baseline, lang),
        "acceptability_curves": plots.acceptability_curves(acceptability(results, baseline), baseline, lang),
    }


def _figure(key: str, fig: Figure, text: dict, baseline: str) -> dict:
    """One plot as an embedded PNG (a data: URL) with its title and caption (which may name the
    reference scenario ``baseline``)."""
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI)
    title, caption = (words.format(baseline=baseline) for words in text["figures"][key])
    src = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
    return {"id": key, "title": title, "caption": caption, "src": src}


def _actors(table: pd.DataFrame, baseline: str, text: dict, lang: str) -> list[dict]:
    """The rows of "who pays, who gains": per scenario other than ``baseline`` and actor, a cell
    per quantity of meedoen.mkba.by_actor (the ratio for society only)."""
    cells = table.set_index(["scenario", "actor", "quantity"])
    rows = []
    for name in dict.fromkeys(table.scenario):
        if name == baseline:
            continue
        for actor in (*ACTORS, SOCIETY):
            quantities = QUANTITIES if actor == SOCIETY else QUANTITIES[:-1]
            row = [_actor_cell(cells.loc[(name, actor, q)], q, text) for q in quantities]
            rows.append({"scenario": name, "actor": actor, "label": ACTOR_LABELS[lang][actor], "cells": row})
    return rows


def _per_year(
    years: pd.DataFrame, paid_totals: pd.DataFrame, actors: pd.DataFrame, baseline: str, text: dict, lang: str
) -> dict:
    """The table "per year": per scenario other than ``baseline`` and actor, the balance of each
    year as paid (meedoen.mkba.per_year), the total as paid and the discounted total (by_actor's,
    ``paid_totals`` and ``actors``), each with its interval."""
    balance = years[(years.quantity == "balance") & ~years.discounted]
    paid = balance.set_index(["scenario", "actor", "year"]).sort_index()
    totals = [t.set_index(["scenario", "actor", "quantity"]) for t in (paid_totals, actors)]
    numbers = sorted(balance.year.unique())
    rows = []
    for name in dict.fromkeys(balance.scenario):
        if name == baseline:
            continue
        for actor in (*ACTORS, SOCIETY):
            cells = [_actor_cell(paid.loc[(name, actor, y)], "balance", text) for y in numbers]
            cells += [_actor_cell(t.loc[(name, actor, "balance")], "balance", text) for t in totals]
            label = ACTOR_LABELS[lang][actor]
            rows.append({"scenario": name, "actor": actor, "label": label, "cells": cells})
    columns = [text["year"].format(year=y) for y in numbers] + [text["total_paid"], text["total_discounted"]]
    return {"columns": columns, "rows": rows}


def _conclusion(
    results: Results, baseline: str, table: pd.DataFrame, actors: pd.DataFrame, years: pd.DataFrame, lang: str
) -> dict[str, list[str]]:
    """The plain-language conclusion and its caveats (meedoen.conclusion), from the page's numbers."""
    city = table[table.wijk == ALL_WIJKEN].set_index(["metric", "scenario"])
    draws = results.parameter_draws
    return conclusion(
        actors,
        by_item(results, baseline),
        payback(results, baseline, years),
        city.loc["persons_up"].diff_mean.to_dict(),
        city.loc["cost_per_person_up"]["mean"].to_dict(),
        baseline,
        years=int(results.attrs.get("weeks", 0)) / 52,
        replicates=int(results.attrs.get("replicates", 0)),
        draws_origin=None if draws is None else str(draws.attrs.get("origin", "")),
        lang=lang,
    )


def _exact(value: float) -> str:
    """A number for machines (the data- attributes): its exact digits, "Infinity" for an interval
    without an upper end, or "" when it has none (a quantity undefined in these results, or an
    interval of one replicate), never "nan"."""
    if math.isnan(value):
        return ""
    return repr(float(value)) if math.isfinite(value) else "Infinity"


def _actor_cell(row: pd.Series, quantity: str, text: dict) -> dict:
    """One number of by_actor with its interval: euros with their sign, or the ratio."""
    value, low, high = float(row["mean"]), float(row.ci_low), float(row.ci_high)
    show = has_interval(value, low, high)
    default = 2 if quantity == "ratio" else 0
    places = decimals(default, low, high, value) if show else default

    def amount(v: float, end: bool = False) -> str:
        if math.isinf(v):
            return UNBOUNDED
        p = end_places(v, places) if end else places
        return _number(v, text, p) if quantity == "ratio" else _amount(v, "euro", p, text, True, bare=end)

    interval = text["interval"].format(low=amount(low, True), high=amount(high, True)) if show else ""
    return {
        "quantity": quantity,
        "value": _exact(value),
        "low": _exact(low),
        "high": _exact(high),
        "text": text["none"] if math.isnan(value) else amount(value),
        "interval": interval,
        "excludes_zero": quantity != "ratio" and (low > 0 or high < 0),
    }


def _assumptions(results: Results, experiment: Experiment, baseline: str, text: dict) -> dict:
    """Every parameter flagged as an assumption, grouped by its prefix, with its value in each scenario.

    The value as used: the scenario's parameter value, or, for a parameter of
    an intervention type (``home_visits.staff_hours``), the values of that
    scenario's interventions of that type.
    """
    used = {name: _used_values(results[name], experiment, name) for name in results.scenarios}
    groups: dict[str, dict] = {}
    for parameter in parameters():
        if not parameter["assumption"]:
            continue
        name = parameter["name"]
        values = {scenario: used[scenario](name) for scenario in results.scenarios}
        differs = [(s, _values(v, parameter, text)) for s, v in values.items() if v != values[baseline]]
        prefix = name.partition(".")[0]
        if prefix not in groups:
            groups[prefix] = {"name": prefix, "used_in": _used_in(prefix, experiment), "rows": []}
        group = groups[prefix]
        group["rows"].append(
            {
                "name": name,
                "value": _values(values[baseline], parameter, text),
                "unit": parameter["unit"],
                "differs": differs,
                "description": parameter["description"],
            }
        )
    rows = [row for group in groups.values() for row in group["rows"]]
    differ = sum(bool(row["differs"]) for row in rows)
    return {
        "intro": text["assumptions"].format(
            count=len(rows), differ=text["rows"][differ != 1].format(differ), baseline=baseline
        ),
        "groups": list(groups.values()),
    }


def _used_values(ds: xr.Dataset, experiment: Experiment, scenario: str) -> Callable[[str], list]:
    """A function giving a parameter's values in one scenario (more than one if its interventions
    differ): the value the run used (the scenario group's parameters attribute), or an
    intervention's own value where its table sets one."""
    values = json.loads(ds.attrs["parameters"])
    interventions = experiment.interventions(scenario)

    def used(name: str) -> list:
        kind = name.partition(".")[0]
        scenario_value = experiment.parameter(name, scenario)
        own = [experiment.parameter(name, scenario, i["name"]) for i in interventions if i["type"] == kind]
        own = [values.get(name) if v == scenario_value else v for v in own]
        found = own or [values.get(name)]
        return [v for k, v in enumerate(found) if v not in found[:k]]

    return used


def _used_in(prefix: str, experiment: Experiment) -> list[str]:
    """The scenarios with an intervention of type ``prefix`` (none for the model's own parameters)."""
    return [
        name
        for name in experiment.scenario_names
        if any(i["type"] == prefix for i in experiment.interventions(name))
    ]


def _values(values: list, parameter: dict, text: dict) -> str:
    return " / ".join(_value(v, text, parameter.get("labels") or []) for v in values)


def _value(value: object, text: dict, labels: list[str] | None = None) -> str:
    """A parameter value as text: numbers in the language's format, lists with their labels."""
    if isinstance(value, list):
        if labels and len(labels) == len(value):
            return "; ".join(f"{label}: {_value(v, text)}" for label, v in zip(labels, value, strict=True))
        return "; ".join(_value(v, text) for v in value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    return _number(value, text, "g" if isinstance(value, float) else "d")


def _number(value: float, text: dict, spec: str | int) -> str:
    """``value`` formatted with ``spec`` (Python's "," and "."), or with that many decimal places
    (negative: rounded to tens, hundreds, ...; outcomes.fixed), then with the language's signs."""
    swap = {",": text["thousands"], ".": text["decimal"]}
    formatted = fixed(value, spec) if isinstance(spec, int) else format(value, spec)
    return "".join(swap.get(c, c) for c in formatted)


def _share(scale: float, text: dict) -> str:
    return _number(100 * scale, text, "g") + "%"
