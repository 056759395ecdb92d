"""The plain-language conclusion at the top of the report, for a wethouder, and the caveats that
decide it: sentences made from the numbers of meedoen.mkba (by_actor, by_item, payback) and
meedoen.compare, never written in advance.

``conclusion(...)`` gives ``{"lines": [...], "caveats": [...]}`` in Dutch (``nl``) or English:

- which scenario gives society the highest balance over the horizon (or that none earns its
  cost back), with its benefit/cost ratio;
- per scenario: what the gemeente pays, how many more adults move up, the gemeente's and
  society's balance, and whether and when the gemeente earns it back (meedoen.mkba.payback);
- the scenario with the lowest cost per extra adult moved up;
- where the returns land in another pocket than the one that paid (an actor that gains at least
  5% of what the gemeente pays, while the gemeente's balance is negative);
- caveats: the bijstand savings when they are small against the cost (in the model a resident
  leaves bijstand only on rung 6), balances whose interval holds zero, effect sizes that are
  assumptions (no parameter draws), few replicates, and benefits after the horizon not counted.
"""

import math

import pandas as pd

from meedoen.mkba import ACTORS, LABELS, SOCIETY
from meedoen.outcomes import decimals, has_interval

__all__ = ["WORDS", "conclusion", "money"]

SMALL_BIJSTAND = 0.10  # bijstand savings below this share of the cost: a caveat
SMALL_GAIN = 0.05  # another actor's gain below this share of the gemeente's cost: not named
FEW_REPLICATES = 10
BIJSTAND = "provision.bijstand_benefit"

WORDS = {
    "nl": {
        "best": "Voor de samenleving als geheel levert “{name}” het meeste op: een saldo van {balance} "
        "over {years} jaar (contant gemaakt), {ratio}.",
        "ratio": "€ {ratio} aan baten per euro kosten",
        "no_ratio": "zonder extra kosten",
        "none_pays": "Geen scenario verdient zich binnen {years} jaar terug voor de samenleving; het minst "
        "negatieve saldo heeft “{name}”: {balance}.",
        "scenario": "“{name}” {cost}, brengt {up} een trede omhoog op de "
        "participatieladder en geeft de gemeente een saldo van {gemeente} en de samenleving {society}. "
        "{payback}",
        "more": "{n} volwassenen meer",
        "more_one": "1 volwassene meer",
        "fewer": "{n} volwassenen minder",
        "within": "De gemeente verdient het terug in jaar {year}.",
        "later": "De gemeente verdient het niet terug binnen de periode; in het tempo van het laatste "
        "jaar ({last} per jaar) zou dat in jaar {year} zijn.",
        "never": "De gemeente verdient het niet terug binnen de periode, en in het tempo van het laatste "
        "jaar ({last} per jaar) ook niet daarna.",
        "pocket": "De gemeente betaalt, maar de opbrengst komt elders terecht: {where}.",
        "pocket_one": "bij “{name}” {amount}",
        "costs": "kost de gemeente {cost}",
        "saves": "bespaart de gemeente {cost}",
        "cheapest": "Per extra volwassene die een trede omhoog gaat, is “{name}” het goedkoopst: {cost}.",
        "dominates": "Meer volwassenen een trede omhoog dan “{reference}”, voor niet meer geld aan "
        "interventies: {names}.",
        "and": " en ",
        "sep": "; ",
        "bijstand": "In het model verlaat bijna niemand de bijstand voor werk (daarvoor is trede 6 nodig), "
        "dus de besparing op de bijstandsuitkering is klein: hoogstens {saved} (bij “{name}”, tegen {cost} aan kosten).",
        "bijstand_none": "In het model verlaat bijna niemand de bijstand voor werk (daarvoor is trede 6 nodig): "
        "geen scenario bespaart binnen de periode op de bijstandsuitkering.",
        "unsure": "Het saldo van {who} ligt met 95% zekerheid tussen {low} en {high}: het kan ook andersom "
        "uitvallen.",
        "assumed": "De effecten van de interventies zijn aannames (nog niet gekalibreerd op pilotgegevens); "
        "de intervallen tonen alleen het toeval, niet de onzekerheid over die effecten. Een run met "
        "parametertrekkingen (meedoen run --posterior of --ranges) neemt die mee.",
        "drawn": "Elke herhaling rekende met andere waarden van onzekere aannames ({origin}); de "
        "intervallen nemen die onzekerheid mee.",
        "few": "Met {n} herhalingen zijn de intervallen ruw; meer herhalingen maken ze smaller.",
        "horizon": "Wat na {years} jaar nog wordt verdiend of bespaard, telt niet mee.",
        "of": "{scenario}, {actor}",
        "million": "€ {} mln",
        "plain": "€ {}",
        "thousands": ".",
        "decimal": ",",
    },
    "en": {
        "best": "For society as a whole “{name}” gives the most: a balance of {balance} over {years} years "
        "(discounted), {ratio}.",
        "ratio": "€{ratio} of benefit per euro of cost",
        "no_ratio": "at no extra cost",
        "none_pays": "No scenario earns its cost back for society within {years} years; “{name}” has the "
        "least negative balance: {balance}.",
        "scenario": "“{name}” {cost}, moves {up} up a rung of the "
        "participation ladder and gives the municipality a balance of {gemeente} and society {society}. "
        "{payback}",
        "more": "{n} more adults",
        "more_one": "1 more adult",
        "fewer": "{n} fewer adults",
        "within": "The municipality earns it back in year {year}.",
        "later": "The municipality does not earn it back within the horizon; at the last year's rate "
        "({last} a year) it would in year {year}.",
        "never": "The municipality does not earn it back within the horizon, nor after it at the last year's "
        "rate ({last} a year).",
        "pocket": "The municipality pays, but the returns land elsewhere: {where}.",
        "pocket_one": "in “{name}” {amount}",
        "costs": "costs the municipality {cost}",
        "saves": "saves the municipality {cost}",
        "cheapest": "Per extra adult moved up a rung, “{name}” is the cheapest: {cost}.",
        "dominates": "More adults moved up a rung than with “{reference}”, for no more money on "
        "interventions: {names}.",
        "and": " and ",
        "sep": "; ",
        "bijstand": "In the model almost nobody leaves bijstand for work (that needs rung 6), so the savings "
        "on the bijstand benefit are small: at most {saved} (with “{name}”, against {cost} of cost).",
        "bijstand_none": "In the model almost nobody leaves bijstand for work (that needs rung 6): no scenario "
        "saves on the bijstand benefit within the horizon.",
        "unsure": "The balance of {who} lies between {low} and {high} with 95% confidence: it may turn out "
        "the other way.",
        "assumed": "The interventions' effects are assumptions (not yet calibrated on pilot data); the "
        "intervals show chance only, not the uncertainty of those effects. A run with parameter draws "
        "(meedoen run --posterior or --ranges) carries it.",
        "drawn": "Each replicate ran with other values of uncertain assumptions ({origin}); the intervals "
        "carry that uncertainty.",
        "few": "With {n} replicates the intervals are rough; more replicates make them narrower.",
        "horizon": "What is earned or saved after {years} years is not counted.",
        "of": "{scenario}, {actor}",
        "million": "€{} million",
        "plain": "€{}",
        "thousands": ",",
        "decimal": ".",
    },
}


def money(value: float, lang: str, low: float = math.nan, high: float = math.nan) -> str:
    """Euros for a wethouder: rounded to the thousand (millions: to two decimals), or coarser where
    the 95% interval (``low``, ``high``) supports fewer digits, as in the report's tables
    (outcomes.decimals): -131,000 [-290,000, +30,000] is "-€130,000"."""
    words = WORDS[lang]
    swap = {",": words["thousands"], ".": words["decimal"]}
    places = -3 if abs(value) < 1e6 else -4
    if has_interval(value, low, high) and math.isfinite(high):
        places = min(places, decimals(places, low, high))
    shown = round(abs(value), places)
    if shown >= 1e6:
        digits = format(shown / 1e6, f",.{min(2, max(0, 6 + places))}f")
        pattern = words["million"]
    else:
        digits = format(shown, ",.0f")
        pattern = words["plain"]
    sign = "-" if value < 0 and shown != 0 else ""
    return sign + pattern.format("".join(swap.get(c, c) for c in digits))


def _money(row: pd.Series, lang: str, sign: float = 1.0) -> str:
    """``money`` of a row of by_actor or by_item (its mean and interval), times ``sign`` (±1)."""
    ends = sorted((sign * float(row.ci_low), sign * float(row.ci_high)))
    return money(sign * float(row["mean"]), lang, *ends)


def conclusion(
    actors: pd.DataFrame,
    items: pd.DataFrame,
    payback: pd.DataFrame,
    persons_up: dict[str, float],
    cost_per_person_up: dict[str, float],
    baseline: str,
    years: float,
    replicates: int,
    draws_origin: str | None,
    lang: str = "nl",
) -> dict[str, list[str]]:
    """The conclusion's lines and caveats (see the module's text). ``actors``, ``items`` and
    ``payback``: by_actor, by_item and payback against ``baseline``; ``persons_up`` and
    ``cost_per_person_up``: each scenario's extra adults moved up and its cost per extra adult moved
    up (compare's); ``years``: the horizon."""
    words = WORDS[lang]
    cells = actors.set_index(["scenario", "actor", "quantity"])
    others = [name for name in dict.fromkeys(actors.scenario) if name != baseline]
    if not others:
        return {"lines": [], "caveats": []}
    shown_years = f"{years:g}".replace(".", words["decimal"])
    lines = [_best(cells, others, shown_years, words, lang)]
    outlook = payback[payback.actor == "gemeente"].set_index("scenario")
    for name in others:
        lines.append(_scenario(cells, outlook.loc[name], name, persons_up[name], words, lang))
    lines += _cheapest(cost_per_person_up, persons_up, others, baseline, words, lang)
    pockets = [p for name in others if (p := _pocket(cells, name, words, lang))]
    if pockets:
        lines.append(words["pocket"].format(where=words["sep"].join(pockets)))
    return {
        "lines": lines,
        "caveats": _caveats(cells, items, others, shown_years, replicates, draws_origin, lang),
    }


def _best(cells: pd.DataFrame, others: list[str], years: str, words: dict, lang: str) -> str:
    balances = {name: float(cells.loc[(name, SOCIETY, "balance"), "mean"]) for name in others}
    name = max(balances, key=balances.__getitem__)
    balance = _money(cells.loc[(name, SOCIETY, "balance")], lang)
    if balances[name] <= 0:
        return words["none_pays"].format(years=years, name=name, balance=balance)
    ratio = float(cells.loc[(name, SOCIETY, "ratio"), "mean"])
    shown = words["no_ratio"] if math.isnan(ratio) else words["ratio"].format(ratio=_decimal(ratio, words))
    return words["best"].format(name=name, balance=balance, years=years, ratio=shown)


def _scenario(cells: pd.DataFrame, outlook: pd.Series, name: str, up: float, words: dict, lang: str) -> str:
    payback = words[outlook.outlook].format(
        year=f"{outlook.year:.0f}", last=money(float(outlook.last_year), lang)
    )
    cost = cells.loc[(name, "gemeente", "cost")]  # against the reference: may be < 0
    saves = float(cost["mean"]) < 0
    return words["scenario"].format(
        name=name,
        cost=words["saves" if saves else "costs"].format(cost=_money(cost, lang, -1.0 if saves else 1.0)),
        up=_adults(up, words),
        gemeente=_money(cells.loc[(name, "gemeente", "balance")], lang),
        society=_money(cells.loc[(name, SOCIETY, "balance")], lang),
        payback=payback,
    )


def _cheapest(
    cost_per_person_up: dict[str, float],
    persons_up: dict[str, float],
    others: list[str],
    reference: str,
    words: dict,
    lang: str,
) -> list[str]:
    """The scenarios that move more adults up than the reference for no more intervention money
    (they dominate: no cost per person, the lowest there is) or else the one with the lowest cost
    per extra adult moved up; none when no scenario has one."""
    dominant = [n for n in others if math.isnan(cost_per_person_up[n]) and persons_up[n] > 0]
    if dominant:
        names = words["and"].join(f"“{n}”" for n in dominant)
        return [words["dominates"].format(reference=reference, names=names)]
    costs = {n: cost_per_person_up[n] for n in others if not math.isnan(cost_per_person_up[n])}
    if not costs:
        return []
    name = min(costs, key=costs.__getitem__)
    return [words["cheapest"].format(name=name, cost=money(costs[name], lang))]


def _pocket(cells: pd.DataFrame, name: str, words: dict, lang: str) -> str:
    """Where the gemeente's balance is negative: the other actors whose balance is positive and at
    least SMALL_GAIN of the gemeente's cost, largest first ("" when none)."""
    balances = {actor: float(cells.loc[(name, actor, "balance"), "mean"]) for actor in ACTORS}
    floor = SMALL_GAIN * float(cells.loc[(name, "gemeente", "cost"), "mean"])
    gainers = [a for a in ACTORS if a != "gemeente" and balances[a] > max(floor, 0.0)]
    if balances["gemeente"] >= 0 or not gainers:
        return ""
    gainers.sort(key=balances.__getitem__, reverse=True)
    amount = words["and"].join(
        f"{_in_sentence(a, lang)} {_money(cells.loc[(name, a, 'balance')], lang)}" for a in gainers
    )
    return words["pocket_one"].format(name=name, amount=amount)


def _in_sentence(actor: str, lang: str) -> str:
    """An actor's label within a sentence: lower case, but the Rijk (the State) is a proper noun."""
    label = LABELS[lang][actor]
    return label if actor == "rijk" else label.lower()


def _caveats(
    cells: pd.DataFrame,
    items: pd.DataFrame,
    others: list[str],
    years: str,
    replicates: int,
    draws_origin: str | None,
    lang: str,
) -> list[str]:
    words = WORDS[lang]
    caveats = []
    bijstand = items[items["item"] == BIJSTAND].set_index("scenario")
    saved = {n: -float(bijstand["mean"].get(n, 0.0)) for n in others}
    cost = {n: float(cells.loc[(n, "gemeente", "cost"), "mean"]) for n in others}
    if all(saved[n] < SMALL_BIJSTAND * cost[n] for n in others if cost[n] > 0) and any(
        c > 0 for c in cost.values()
    ):
        most = max(others, key=saved.__getitem__)
        largest = money(max(saved[most], 0.0), lang)
        if largest == money(0.0, lang):  # nothing saved anywhere: no scenario to name
            caveats.append(words["bijstand_none"])
        else:
            largest = _money(bijstand.loc[most], lang, -1.0)
            gemeente = _money(cells.loc[(most, "gemeente", "cost")], lang)
            caveats.append(words["bijstand"].format(saved=largest, name=most, cost=gemeente))
    for name in others:
        for actor in ("gemeente", SOCIETY):
            row = cells.loc[(name, actor, "balance")]
            if row.ci_low < 0 < row.ci_high:
                who = words["of"].format(scenario=name, actor=_in_sentence(actor, lang))
                ends = float(row.ci_low), float(row.ci_high)
                low, high = (money(end, lang, *ends) for end in ends)
                caveats.append(words["unsure"].format(who=who, low=low, high=high))
    caveats.append(words["drawn"].format(origin=draws_origin) if draws_origin else words["assumed"])
    if replicates < FEW_REPLICATES:
        caveats.append(words["few"].format(n=replicates))
    caveats.append(words["horizon"].format(years=years))
    return caveats


def _adults(up: float, words: dict) -> str:
    """A difference in adults, a mean over replicates, to the whole person (half up), in words:
    "12 more adults", "1 more adult", "3 fewer adults"."""
    whole = math.floor(abs(up) + 0.5)
    if up < 0 and whole > 0:
        return words["fewer"].format(n=_decimal(whole, words, places=0))
    return words["more_one"] if whole == 1 else words["more"].format(n=_decimal(whole, words, places=0))


def _decimal(value: float, words: dict, places: int = 2) -> str:
    swap = {",": words["thousands"], ".": words["decimal"]}
    return "".join(swap.get(c, c) for c in format(value, f",.{places}f"))
