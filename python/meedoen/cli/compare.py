"""``meedoen compare``: the comparison table of a results file, on the console, as CSV or JSON."""

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from meedoen.cli import console
from meedoen.cli.common import EXIT_FAILED, baseline_problems, output_problems, read_results
from meedoen.compare import ALL_WIJKEN, COLUMNS, compare, to_json
from meedoen.errors import InputError, Problem, flag_problem
from meedoen.export import FORMATS, export
from meedoen.mkba import ACTORS, LABELS, SOCIETY, by_actor, payback, per_year
from meedoen.outcomes import OUTCOMES, compare_outcomes
from meedoen.results import Results
from meedoen.scale_note import scale_note

# The two console tables: what a scenario achieves (paired differences), what it costs and saves;
# a money outcome that is paired is shown as a change (the baseline has its own level).
ACHIEVES = [name for name in compare_outcomes() if OUTCOMES[name].unit in ("share", "persons")]
MONEY = [name for name in compare_outcomes() if name not in ACHIEVES]
CHANGES = {name for name in MONEY if OUTCOMES[name].paired}


def add_parser(commands: argparse._SubParsersAction) -> None:
    comparison = commands.add_parser(
        "compare",
        help="compare the scenarios of a results file with the baseline",
        description="Per scenario: "
        + ", ".join(OUTCOMES[name].label["en"].lower() for name in compare_outcomes())
        + ", as means with 95% intervals over the replicates, and differences to the baseline paired "
        "by replicate.",
    )
    comparison.add_argument("results", metavar="OUT.h5", help="a results file of meedoen run")
    comparison.add_argument(
        "--baseline", metavar="NAME", help="the scenario to compare with (default: the first)"
    )
    comparison.add_argument(
        "--format", metavar="{table,csv,json}", default="table", help="output format"
    )
    comparison.add_argument(
        "--by-wijk", action="store_true", help="the table also per wijk (csv and json always are)"
    )
    comparison.add_argument(
        "--by-actor",
        action="store_true",
        help="who pays and who gains instead: per scenario and actor (gemeente, zorgverzekeraar, rijk, "
        "deelnemers, samenleving) the cost, benefit and balance against the baseline, and society's "
        "benefit/cost ratio (a social cost-benefit analysis; csv and json give that table)",
    )
    comparison.add_argument(
        "--per-year",
        action="store_true",
        help="the balance per actor per year instead (euros as paid, beside the discounted total), and "
        "how far each scenario is from earning its cost back; csv and json give meedoen.mkba.per_year",
    )
    comparison.add_argument(
        "--export",
        metavar="FILE",
        help="also write the figures per actor and year, the comparison and notes to FILE, for Excel: "
        ".xlsx, or .csv with ';' and decimal commas (docs/guide/budget-planners.md)",
    )
    comparison.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """The comparison table of a results file."""
    results = read_results(args.results)
    problems = baseline_problems(args.baseline, results) + export_problems(args.export, args.results)
    problems += view_problems(args)
    if problems:
        raise InputError(problems)
    if args.export:
        try:
            export(results, args.export, baseline=args.baseline)
        except OSError as error:  # a full disk, a target that cannot be replaced: the old file stays
            print(f"meedoen: cannot write {args.export}: {error.strerror or error}", file=sys.stderr)
            return EXIT_FAILED
        print(f"Export: {args.export}", file=sys.stderr)
    if args.per_year:
        return per_year_command(results, args)
    if args.by_actor:
        return actor_command(results, args)
    with console.working(f"comparing the scenarios of {args.results}"):
        table = compare(results, baseline=args.baseline)
    if args.format == "json":
        print(to_json(table))
    elif args.format == "csv":
        print(table[COLUMNS].to_csv(index=False), end="")
    else:
        print_comparison(table, results, args.baseline or results.scenarios[0], args.by_wijk)
    return 0


FORMATS_SHOWN = ("table", "csv", "json")


def view_problems(args: argparse.Namespace) -> list[Problem]:
    """An unknown --format, or views that exclude each other (--by-wijk, --by-actor, --per-year:
    one at a time)."""
    problems = []
    if args.format not in FORMATS_SHOWN:
        allowed = ", ".join(FORMATS_SHOWN)
        problems.append(flag_problem("--format", f"value {args.format} is not a format (one of: {allowed})"))
    views = [flag for flag, on in (("--by-wijk", args.by_wijk), ("--by-actor", args.by_actor),
                                   ("--per-year", args.per_year)) if on]  # fmt: skip
    if len(views) > 1:
        problems.append(flag_problem(views[1], f"cannot be combined with {views[0]} (one view at a time)"))
    return problems


def export_problems(path: str | None, results: str) -> list[Problem]:
    """Why --export cannot write ``path``, if it cannot (a suffix other than .xlsx or .csv too)."""
    if path is None:
        return []
    if Path(path).suffix.lower() not in FORMATS:
        return [flag_problem("--export", f"{path} is not a .xlsx or .csv file (FILE.xlsx or FILE.csv)")]
    return output_problems(Path(path), "--export", inputs=(results,))


def per_year_command(results: Results, args: argparse.Namespace) -> int:
    """The table of meedoen.mkba.per_year (csv, json), or on the console each scenario's balance
    per actor and year with the discounted total, and the payback of meedoen.mkba.payback."""
    table = per_year(results, baseline=args.baseline)
    if args.format == "json":
        print(to_json(table))
    elif args.format == "csv":
        print(table.to_csv(index=False), end="")
    else:
        print_per_year(results, table, args.baseline or results.scenarios[0])
    return 0


def print_per_year(results: Results, table: pd.DataFrame, baseline: str) -> None:
    """Per scenario: each actor's mean balance in each year as paid, its total as paid and its
    discounted total [95% interval]; then per scenario how far the gemeente and society are from
    earning it back."""
    totals = [
        by_actor(results, baseline, discounted).set_index(["scenario", "actor", "quantity"])
        for discounted in (False, True)
    ]
    balance = table[table.quantity == "balance"]
    paid = balance[~balance.discounted].set_index(["scenario", "actor", "year"]).sort_index()
    years = sorted(balance.year.unique())
    out = console.console()
    columns = [*(f"year {y}" for y in years), "total", "discounted total"]
    per = console.table(
        f"Balance per actor and year: difference to {baseline}, mean euros as paid; the totals "
        "with their [95% interval] (per year: meedoen compare --per-year --format csv)",
        columns,
        ["scenario", "actor"],
    )
    for name in results.scenarios:
        if name == baseline:
            continue
        for actor in (*ACTORS, SOCIETY):
            own = paid.loc[(name, actor)]
            cells = [console.cell(own.loc[y, "mean"], np.nan, np.nan, "euro", diff=True) for y in years]
            cells += [console.cell(*t.loc[(name, actor, "balance")], "euro", diff=True) for t in totals]
            console.add_row(per, [name, LABELS["en"][actor], *cells])
    out.print(per)
    for row in payback(results, baseline, table).itertuples():
        if row.scenario != baseline:
            console.say(out, f"{row.scenario}, {LABELS['en'][row.actor].lower()}: {payback_words(row)}")


def payback_words(row) -> str:
    """One scenario's payback for one actor in words (``row``: a row of meedoen.mkba.payback)."""
    total = console.cell(row.total, np.nan, np.nan, "euro", diff=True)
    last = console.cell(row.last_year, np.nan, np.nan, "euro", diff=True)
    if row.outlook == "within":
        return f"earned back in year {row.year:.0f} (balance {total} over the horizon, discounted)"
    if row.outlook == "later":
        return (
            f"balance {total} over the horizon; the last year's balance of {last} a year would earn it "
            f"back in year {row.year:.0f}"
        )
    return f"balance {total} over the horizon; at the last year's balance of {last} a year: never"


def actor_command(results: Results, args: argparse.Namespace) -> int:
    """The table of meedoen.mkba.by_actor, on the console, as CSV or as JSON."""
    table = by_actor(results, baseline=args.baseline)
    if args.format == "json":
        print(to_json(table))
    elif args.format == "csv":
        print(table.to_csv(index=False), end="")
    else:
        print_actors(table, args.baseline or results.scenarios[0])
    return 0


def print_actors(table: pd.DataFrame, baseline: str) -> None:
    """Per scenario and actor: cost, benefit and balance against the baseline; society's ratio."""
    rows = table.set_index(["scenario", "actor", "quantity"])
    words = LABELS["en"]
    out = console.console()
    actors = console.table(
        f"Who pays and who gains: difference to {baseline}, euros over the horizon, discounted "
        "[95% interval]",
        [words[q] for q in ("cost", "benefit", "balance", "ratio")],
        ["scenario", "actor"],
    )
    for name in dict.fromkeys(table.scenario):
        for actor in (*ACTORS, SOCIETY):
            cells = [console.cell(*rows.loc[(name, actor, q)], "euro", diff=True) for q in ("cost", "benefit")]
            cells.append(console.cell(*rows.loc[(name, actor, "balance")], "euro", diff=True))
            ratio = rows.loc[(name, actor, "ratio")] if actor == SOCIETY else None
            cells.append("" if ratio is None else console.cell(*ratio, "ratio"))
            console.add_row(actors, [name, words[actor], *cells])
    out.print(actors)
    console.say(
        out,
        "Cost: the interventions above the baseline's. Benefit: what the actor saves on what it pays and "
        "gains in what it receives (wages, taxes, well-being valued per QALY). Balance: benefit minus "
        "cost. Society: all actors together (the bijstand benefit is a transfer and cancels).",
    )


def print_comparison(table: pd.DataFrame, results: Results, baseline: str, by_wijk: bool) -> None:
    """The comparison on stdout: what each scenario achieves, and what it costs and saves."""
    city = table[table.wijk == ALL_WIJKEN].set_index(["scenario", "metric"])
    scenarios = list(dict.fromkeys(table.scenario))
    out = console.console()
    n = results.attrs.get("replicates")
    interval = "[95% interval]" if n != 1 else "(one replicate: no interval)"
    achieves = console.table(
        f"What each scenario achieves at the end: difference to {baseline} {interval}, "
        f"{n} replicate{'s' * (n != 1)}",
        ACHIEVES,
        "scenario",
    )
    for name in scenarios:
        console.add_row(achieves, [name, *(cell(city.loc[(name, m)], m, diff=True) for m in ACHIEVES)])
    costs = console.table(
        f"What it costs and saves: euros over the horizon, discounted to the start {interval}",
        [f"{m} change" if m in CHANGES else m for m in MONEY],
        "scenario",
    )
    for name in scenarios:
        console.add_row(costs, [name, *(cell(city.loc[(name, m)], m, diff=m in CHANGES) for m in MONEY)])
    out.print(achieves)
    out.print(costs)
    own = city.loc[(baseline, "intervention_cost")]
    console.say(
        out,
        f"{baseline} itself: its interventions cost "
        f"{console.cell(own['mean'], own.ci_low, own.ci_high, 'intervention_cost')}; every cost, saving and "
        "ratio above is the difference to it.",
    )
    if by_wijk:
        out.print(wijk_table(table, scenarios, baseline))
    console.say(out, f"Differences are paired by replicate with {baseline} (common random numbers).")
    for name in compare_outcomes():
        console.say(out, f"  {name}: {OUTCOMES[name].description['en']}")
    if note := scale_note(results.scale, "en"):
        console.say(out, note)


def wijk_table(table: pd.DataFrame, scenarios: list[str], baseline: str) -> Any:
    """Participation-rate difference to the baseline per wijk (rows) and scenario (columns)."""
    rows = table[(table.wijk != ALL_WIJKEN) & (table.metric == "participation_rate")].set_index(
        ["wijk", "scenario"]
    )
    others = [name for name in scenarios if name != baseline]
    title = f"Participation rate per wijk: difference to {baseline} [95% interval]"
    out = console.table(title, others, "wijk")
    for wijk in dict.fromkeys(rows.index.get_level_values("wijk")):
        cells = [cell(rows.loc[(wijk, name)], "participation_rate", diff=True) for name in others]
        console.add_row(out, [wijk, *cells])
    return out


def cell(row: pd.Series, outcome: str, diff: bool = False) -> str:
    """An outcome's mean (or paired difference) with its interval, from a row of compare(); with
    its sign when it is a difference (``diff``, or an outcome that is one itself: net_savings)."""
    if diff:
        return console.cell(row.diff_mean, row.diff_ci_low, row.diff_ci_high, outcome, diff=True)
    return console.cell(row["mean"], row.ci_low, row.ci_high, outcome, diff=OUTCOMES[outcome].difference)
