"""What the numbers of a run at a scale other than 1 mean and how precise they are, said once for
the report, the app and ``meedoen compare`` (docs/ODD.md section 8).

At scale s one simulated resident stands for 1/s residents and every intervention is scaled alike
(staff hours, places, lists, budget pots and fixed costs), so the results, shown in city units
(meedoen.results.city_units), estimate the same quantities as a run at scale 1. Their chance
variation grows as the simulated residents shrink: the intervals are about 1/sqrt(s) times as wide
as at scale 1 with as many replicates.
"""

import math

__all__ = ["scale_note"]

NOTE = {
    "nl": (
        "Op schaal {scale} staat één gesimuleerde inwoner voor {per} inwoners van de stad, en de "
        "interventies zijn op dezelfde schaal (uren personeel, plaatsen, lijsten, budgetten en hun "
        "kosten). Personen en euro's gelden voor de hele stad: ze schatten hetzelfde als een run op "
        "schaal 1, met meer toevalsvariatie. De 95%-intervallen zeggen hoe precies ze zijn; op deze "
        "schaal zijn ze ongeveer {wider} keer zo breed als op schaal 1 met evenveel herhalingen "
        "({more} keer zoveel herhalingen geven dezelfde breedte)."
    ),
    "en": (
        "At scale {scale} one simulated resident stands for {per} residents of the city, and the "
        "interventions are scaled alike (staff hours, places, lists, budgets and their costs). Persons "
        "and euros are shown for the whole city: they estimate the same as a run at scale 1, with more "
        "chance variation. The 95% intervals say how precise they are; at this scale they are about "
        "{wider} times as wide as at scale 1 with as many replicates ({more} times the replicates give "
        "the same width)."
    ),
}


def scale_note(scale: float, lang: str = "en") -> str:
    """The note for results at ``scale`` in ``lang`` ("nl" or "en"); "" at scale 1."""
    if scale == 1.0:
        return ""

    def number(value: float, digits: int) -> str:
        text = f"{value:.{digits}g}"
        return text.replace(".", ",") if lang == "nl" else text

    return NOTE[lang].format(
        scale=number(scale, 3),
        per=number(1 / scale, 3),
        wider=number(1 / math.sqrt(scale), 2),
        more=number(1 / scale, 3),
    )
