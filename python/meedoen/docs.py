"""Writes docs/parameters.md from the model's parameter table, docs/outputs.md from its table
of outputs, the table of outcomes in docs/guide/compare.md from meedoen/outcomes.py, and each
intervention's table of parameters in docs/interventions.md from the parameter table.

Run from the repository's top folder: ``python -m meedoen.docs`` (or ``make docs``).
"""

import argparse
import re
from pathlib import Path

import numpy as np

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


OUTPUTS_HEADER = """\
# Outputs of a run

Generated from the table of outputs in the code (`outputs()` in `models/runner.cpp`); do not edit by
hand. To regenerate it after changing that table: `make docs` (or `python -m meedoen.docs`).

A results file holds one group per scenario (named after it) with the outputs below that are per
scenario, and at its root the outputs that are once per run. Each output's first dimension is the
replicate; every dimension is a coordinate of its group (see `docs/guide/run.md`). In Python,
`meedoen.open_results(path).variable(name)` stacks an output over the scenarios and
`Results.units(name, label)` gives its units. *Scales* says whether the value grows with the
population (`--scale`): counts of people and euros do, fitted rates do not. The file holds the
simulated counts and the root attribute `scale`; Python shows those that scale in city units, divided
by the scale (at scale 0.2 one simulated resident stands for five; `meedoen.results.city_units`), and
`variable(name, raw=True)` or `dataset(scenario, raw=True)` gives them as stored.

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


TYPE_PARAMETERS = re.compile(
    r"(<!-- parameters of (\w+): generated from models/model_parameters.cpp by `make docs`; "
    r"do not edit by hand -->\n).*?(<!-- end of parameters -->\n)",
    re.S,
)


def _number(value: float) -> str:
    """A default as the tables show it: up to six significant digits, never in exponent form."""
    return np.format_float_positional(float(value), precision=6, unique=True, fractional=False, trim="-")


def type_parameters_markdown(kind: str) -> str:
    """The table of the parameters ``kind.*`` (an intervention type): key, default, unit, source,
    meaning. ValueError when the type has none."""
    rows = ["| key | default | unit | source | meaning |", "|---|---|---|---|---|"]
    for p in _core.parameters():
        if not p["name"].startswith(kind + "."):
            continue
        default = p["default"]
        shown = ", ".join(map(_number, default)) if isinstance(default, list | tuple) else _number(default)
        key = p["name"][len(kind) + 1 :]
        rows.append(f"| `{key}` | {shown} | {p['unit']} | {p['source']} | {p['description']} |")
    if len(rows) == 2:
        raise ValueError(f"docs/interventions.md: no parameters of an intervention type {kind}")
    return "\n".join(rows) + "\n"


def with_type_parameters(text: str) -> str:
    """The text of docs/interventions.md with each intervention's table of parameters made anew."""
    return TYPE_PARAMETERS.sub(lambda m: m[1] + type_parameters_markdown(m[2]) + m[3], text)


def render_outputs() -> str:
    """The full text of docs/outputs.md."""
    rows = [
        "| Output | Where | Type | Dimensions | Units | Scales | Meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in _core.outputs():
        units = str(o["units"])
        for label, other in dict(o["label_units"]).items():
            units += f"; `{label}`: {other}"
        where = "each scenario" if o["per_scenario"] else "root"
        dims = ", ".join(str(d) for d in o["dims"])
        scales = "yes" if o["scales_with_population"] else "no"
        rows.append(
            f"| `{o['name']}` | {where} | {o['type']} | {dims} | {units} | {scales} | {o['long_name']} |"
        )
    return OUTPUTS_HEADER + "\n".join(rows) + "\n"


def main() -> None:
    """Write parameters.md and outputs.md into the folder named on the command line (default docs),
    the table of outcomes into its guide/compare.md and the tables of parameters into its
    interventions.md."""
    parser = argparse.ArgumentParser(prog="python -m meedoen.docs", description=__doc__)
    parser.add_argument("folder", nargs="?", default="docs", help="default: %(default)s")
    folder = Path(parser.parse_args().folder)
    guide, interventions = folder / "guide" / "compare.md", folder / "interventions.md"
    for path, text in (
        (folder / "parameters.md", render()),
        (folder / "outputs.md", render_outputs()),
        (guide, with_outcomes(guide.read_text(encoding="utf-8"))),
        (interventions, with_type_parameters(interventions.read_text(encoding="utf-8"))),
    ):
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
