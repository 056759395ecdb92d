"""``meedoen validate``: check a scenario file without running it."""

import argparse

from meedoen.experiment import load_experiment


def add_parser(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser(
        "validate",
        help="check a scenario file without running it",
        description="Check SCENARIO.toml and its data files without running anything.",
    )
    validate.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    validate.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Load the scenario file and say what it holds."""
    experiment = load_experiment(args.scenario)
    counts = [(len(experiment.scenario_names), "scenario"), (experiment.weeks, "week")]
    counts.append((experiment.replicates, "replicate"))
    print("OK: " + ", ".join(f"{n} {word}{'s' * (n != 1)}" for n, word in counts))
    return 0
