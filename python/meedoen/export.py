"""The planners' export: ``meedoen compare OUT.h5 --export FILE.xlsx`` (or ``FILE.csv``).

A file that a Dutch Excel opens as it is, with the units, the horizon and the discount rate in
its column headers:

- ``.xlsx`` (openpyxl): the sheet "Per jaar" (per scenario, actor and quantity the euros of each
  year as paid, their total as paid and the total discounted to the start, each with its 95%
  interval: the figures of meedoen.mkba.per_year and by_actor), "Terugverdienen" (meedoen.mkba.payback),
  "Vergelijking" (meedoen.compare.compare, each metric with its unit) and "Toelichting" (the
  results file, the reference, horizon, discount rate, replicates, scale);
- ``.csv``: the sheet "Per jaar" alone, with ``;`` between fields, a decimal comma and a byte
  order mark (so that Excel reads the euro sign), as Excel writes and reads CSV in Dutch.

The file is written beside the target under a temporary name and renamed when complete.
"""

import gc
import io
import os
import sys
import traceback
from pathlib import Path

import pandas as pd

from meedoen import __version__
from meedoen.compare import compare
from meedoen.mkba import ACTORS, LABELS, SOCIETY, by_actor, discount_rate, payback, per_year, reference
from meedoen.outcomes import OUTCOMES, UNBOUNDED
from meedoen.results import Results

__all__ = ["FORMATS", "export", "planner_table"]

FORMATS = (".xlsx", ".csv")
SHEETS = {
    "per_year": "Per jaar",
    "payback": "Terugverdienen",
    "compare": "Vergelijking",
    "notes": "Toelichting",
}
OUTLOOK = {
    "within": "binnen de periode",
    "later": "na de periode, in dit tempo",
    "never": "nooit, in dit tempo",
}
EURO_FORMAT = "#,##0"


def export(results: Results, path: str | os.PathLike[str], baseline: str | None = None) -> None:
    """Write the planners' export of ``results`` against ``baseline`` (default: the first scenario)
    to ``path``: .xlsx or .csv (ValueError for another suffix). OSError when it cannot be written
    (a full disk, a target that cannot be replaced): ``path`` is then as it was, with no partial file."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: the export is .xlsx or .csv, not {path.suffix or 'no suffix'}")
    baseline = reference(results, baseline)
    years = per_year(results, baseline)
    table = planner_table(results, baseline, years)
    if path.suffix.lower() == ".csv":
        # Euros to the cent: the sums carry binary noise (1044576,0000000009) a workbook should not show.
        data = table.round(2).to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")
    else:
        try:
            data = _workbook(results, baseline, table, years)
        except OSError as error:  # openpyxl writes each sheet to a temporary file first (a full disk)
            _let_go(error)
            raise
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _let_go(error: OSError) -> None:
    """Let go, quietly, of what the frames of ``error`` hold: openpyxl's sheet writers keep their
    temporary file open, and its flush fails again when they are collected (a traceback on stderr,
    "Exception ignored in ...")."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        traceback.clear_frames(error.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def planner_table(results: Results, baseline: str, years: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sheet "Per jaar": per scenario other than the reference, actor and quantity, the euros of
    each year as paid, and the total as paid and the discounted total, each with its 95% interval
    (by_actor's)."""
    years = per_year(results, baseline) if years is None else years
    paid_totals, totals = (
        by_actor(results, baseline, discounted).set_index(["scenario", "actor", "quantity"])
        for discounted in (False, True)
    )
    paid = years[~years.discounted].set_index(["scenario", "actor", "quantity", "year"])["mean"].sort_index()
    horizon, rate = _horizon(results), _rate_text(results)
    words = LABELS["nl"]
    rows = []
    for name in results.scenarios:
        if name == baseline:
            continue
        for actor in (*ACTORS, SOCIETY):
            for quantity in ("cost", "benefit", "balance"):
                per = paid.loc[(name, actor, quantity)].to_numpy()
                as_paid, total = (t.loc[(name, actor, quantity)].to_numpy() for t in (paid_totals, totals))
                rows.append([name, words[actor], words[quantity], *per, *as_paid, *total])
    year_numbers = sorted(years.year.unique())
    columns = [
        "scenario",
        "partij",
        "post",
        *(f"jaar {y} (€, zoals betaald)" for y in year_numbers),
        f"totaal {horizon} (€, zoals betaald)",
        "95%-interval ondergrens (€, zoals betaald)",
        "95%-interval bovengrens (€, zoals betaald)",
        f"totaal {horizon} (€, contant gemaakt naar de start, {rate})",
        "95%-interval ondergrens (€, contant)",
        "95%-interval bovengrens (€, contant)",
    ]
    return pd.DataFrame(rows, columns=columns)


def _workbook(results: Results, baseline: str, table: pd.DataFrame, years: pd.DataFrame) -> bytes:
    """The .xlsx file's bytes: the four sheets, euros formatted, columns wide enough."""
    sheets = {
        SHEETS["per_year"]: table,
        SHEETS["payback"]: _payback_sheet(results, baseline, years),
        SHEETS["compare"]: _compare_sheet(results, baseline),
        SHEETS["notes"]: _notes(results, baseline),
    }
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for title, frame in sheets.items():
            frame.to_excel(writer, sheet_name=title, index=False, inf_rep=UNBOUNDED)  # Excel has no inf
            sheet = writer.sheets[title]
            for k, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=k).column_letter
                sheet.column_dimensions[letter].width = min(60, max(12, len(str(column)) + 2))
                if "€" in str(column):
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                        cell.number_format = EURO_FORMAT
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def _payback_sheet(results: Results, baseline: str, years: pd.DataFrame) -> pd.DataFrame:
    table = payback(results, baseline, years)
    table = table[table.scenario != baseline]
    rate = _rate_text(results)
    return pd.DataFrame(
        {
            "scenario": table.scenario,
            "partij": table.actor.map(LABELS["nl"]),
            f"saldo over {_horizon(results)} (€, contant gemaakt, {rate})": table.total,
            "saldo van het laatste jaar (€ per jaar, zoals betaald)": table.last_year,
            "terugverdiend in jaar": table.year,
            "terugverdiend": table.outlook.map(OUTLOOK),
        }
    )


def _compare_sheet(results: Results, baseline: str) -> pd.DataFrame:
    table = compare(results, baseline)
    units = {name: outcome.unit for name, outcome in OUTCOMES.items()}
    return pd.DataFrame(
        {
            "scenario": table.scenario,
            "wijk": table.wijk,
            "uitkomst": table.metric,
            "eenheid": table.metric.map(units),
            "gemiddelde": table["mean"],
            "95%-interval ondergrens": table.ci_low,
            "95%-interval bovengrens": table.ci_high,
            f"verschil met {baseline}": table.diff_mean,
            "verschil: 95%-interval ondergrens": table.diff_ci_low,
            "verschil: 95%-interval bovengrens": table.diff_ci_high,
        }
    )


def _notes(results: Results, baseline: str) -> pd.DataFrame:
    attrs = results.attrs
    rows = [
        ("experiment", attrs.get("experiment_name", "")),
        ("referentiescenario", baseline),
        ("horizon", f"{int(attrs.get('weeks', 0))} weken ({_horizon(results)})"),
        ("disconteringsvoet", _rate_text(results)),
        ("herhalingen", attrs.get("replicates", "")),
        ("schaal (deel van de inwoners)", results.scale),
        ("eenheden", "euro's; kosten, baten en saldo zijn verschillen met het referentiescenario"),
        ("zoals betaald", "de euro's van elk jaar, niet contant gemaakt"),
        ("contant", "elke week maal (1 + disconteringsvoet) ^ (-week / 52), opgeteld"),
        ("gemaakt met", f"meedoen {__version__}"),
    ]
    draws = results.parameter_draws
    if draws is not None:
        rows.append(("parametertrekkingen", str(draws.attrs.get("origin", ""))))
    return pd.DataFrame(rows, columns=["onderwerp", "waarde"])


def _horizon(results: Results) -> str:
    """The horizon in words: "jaar 1-5" (or with its weeks when it is not whole years)."""
    weeks = int(results.attrs.get("weeks", 0))
    years = -(-weeks // 52)
    whole = "" if weeks % 52 == 0 else f", {weeks} weken"
    return f"jaar 1-{years}{whole}" if years > 1 else f"jaar 1{whole}"


def _rate_text(results: Results) -> str:
    """The discount rate(s) as a Dutch percentage per year."""
    rates = dict.fromkeys(discount_rate(results[name]) for name in results.scenarios)
    shown = "/".join(f"{100 * r:g}".replace(".", ",") + "%" for r in rates)
    return f"disconteringsvoet {shown} per jaar"
