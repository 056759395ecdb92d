"""Pilot data: aggregated counts of a real programme, read, checked and summarised for calibration.

A pilot file is a CSV file of aggregated counts per programme, wijk and period
(docs/pilot-data.md): how many people a programme found, visited, accepted,
enrolled and referred, and on which rung of the participation ladder its
participants were when they started and when they finished. ``read_pilot``
reads and checks one, reporting every problem at once as ``FILE:LINE: column:
what is wrong (what is allowed)``; a file with personal data (a column such as
``bsn`` or ``geboortedatum``, or a value that looks like a postcode, a
burgerservicenummer or a date) is refused, and no error repeats a value from
the file. ``pilot_summaries`` and ``model_summaries`` turn a pilot file and one
scenario's ``program`` results into summaries with the same keys, for a
calibration to compare.

Nothing from a pilot file but the aggregate columns is kept: comments, unknown
or refused columns and the file's text are dropped after checking.

The modules, by job: ``format`` (the columns, ``Pilot``, ``write_pilot``),
``reading`` (``read_pilot``), ``privacy`` (what looks like personal data) and
``summaries`` (``pilot_summaries``, ``model_summaries``).
"""

from meedoen.pilot.format import (
    ALL,
    COLUMNS,
    COUNT_METRICS,
    COUNTS,
    RUNG_BLOCKS,
    RUNG_METRICS,
    RUNGS,
    Pilot,
    Window,
    model_wijken,
    write_pilot,
)
from meedoen.pilot.privacy import personal_column, personal_value
from meedoen.pilot.reading import read_pilot
from meedoen.pilot.summaries import model_summaries, pilot_summaries

__all__ = [
    "ALL",
    "COLUMNS",
    "COUNTS",
    "COUNT_METRICS",
    "RUNGS",
    "RUNG_BLOCKS",
    "RUNG_METRICS",
    "Pilot",
    "Window",
    "model_summaries",
    "model_wijken",
    "personal_column",
    "personal_value",
    "pilot_summaries",
    "read_pilot",
    "write_pilot",
]
