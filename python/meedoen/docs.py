"""Writes docs/parameters.md from the model's parameter table, and the table of outcomes in
docs/guide/compare.md from meedoen/outcomes.py.

Run from the repository's top folder: ``python -m meedoen.docs`` (or ``make docs``).
"""

import argparse
from pathlib import Path

from meedoen import _core
from meedoen.outcomes import outcomes_markdown

HEADER = """\
# Model parameters

Generated from the parameter table in the code (`models/model_parameters.cpp`); do not edit by
hand. To regenerate it after changing that table: `make docs` (or `python -m meedoen.docs`).

Every parameter can be overridden in a scenario file, for every scenario in `[parameters]` or for
one scenario in `[scenario.parameters]`. Values marked **assumption** have no published source
yet; they are what calibration fits.

"""


def render() -> str:
    """The full text of docs/parameters.md."""
    return HEADER + _core.parameters_markdown()


OUTCOMES_START = "<!-- outcomes: generated from meedoen/outcomes.py by `make docs`; do not edit by hand -->\n"
OUTCOMES_END = "<!-- end of outcomes -->\n"


def with_outcomes(guide: str) -> str:
    """The text of docs/guide/compare.md with its table of outcomes made anew."""
    before, rest = guide.split(OUTCOMES_START, 1)
    return before + OUTCOMES_START + outcomes_markdown() + OUTCOMES_END + rest.split(OUTCOMES_END, 1)[1]


def main() -> None:
    """Write the parameter table to the file named on the command line (default docs/parameters.md)
    and the table of outcomes into the compare guide (default docs/guide/compare.md)."""
    parser = argparse.ArgumentParser(prog="python -m meedoen.docs", description=__doc__)
    parser.add_argument("output", nargs="?", default="docs/parameters.md", help="default: %(default)s")
    parser.add_argument("guide", nargs="?", default="docs/guide/compare.md", help="default: %(default)s")
    args = parser.parse_args()
    for path, text in ((Path(args.output), render()), (Path(args.guide), None)):
        if text is None:
            text = with_outcomes(path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
