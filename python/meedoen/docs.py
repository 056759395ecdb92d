"""Writes docs/parameters.md from the model's parameter table.

Run from the repository's top folder: ``python -m meedoen.docs`` (or ``make docs``).
"""

import argparse
from pathlib import Path

from meedoen import _core

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


def main() -> None:
    """Write the parameter table to the file named on the command line (default docs/parameters.md)."""
    parser = argparse.ArgumentParser(prog="python -m meedoen.docs", description=__doc__)
    parser.add_argument("output", nargs="?", default="docs/parameters.md", help="default: %(default)s")
    path = Path(parser.parse_args().output)
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
