"""``meedoen calibrate``: fit the parameters a configuration names to pilot data (ABC-SMC)."""

import argparse
from pathlib import Path

from meedoen.cli import console
from meedoen.cli.common import HDF5_SUFFIXES, add_cluster_flags, output_problems, workers_problems
from meedoen.errors import InputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    calibration = commands.add_parser(
        "calibrate",
        help="fit the parameters a configuration names to pilot data (ABC-SMC)",
        description="Calibrate the parameters named in CONFIG.toml on the aggregated counts of one or more "
        "pilot files with likelihood-free ABC-SMC (pyabc), and write the posterior (HDF5).",
    )
    calibration.add_argument("config", metavar="CONFIG.toml", help="the calibration configuration")
    calibration.add_argument(
        "--pilot",
        metavar="FILE.csv",
        action="append",
        required=True,
        help="a pilot data file (docs/pilot-data.md); give --pilot once per file",
    )
    calibration.add_argument(
        "-o", "--output", metavar="POSTERIOR.h5", required=True, help="the posterior file"
    )
    add_cluster_flags(calibration)
    talk = calibration.add_mutually_exclusive_group()
    talk.add_argument("--verbose", action="store_true", help="pyabc's own log lines, a few per generation")
    talk.add_argument("--quiet", action="store_true", help="no pyabc log lines (the default)")
    calibration.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    """Check the config and pilot files, calibrate, write and summarise."""
    from meedoen.calibration import calibrate, read_calibration_config

    out = Path(args.output)
    problems = output_problems(out, inputs=(args.config,), suffixes=HDF5_SUFFIXES) + workers_problems(args)
    try:
        config = read_calibration_config(args.config)
    except InputError as error:
        raise InputError(error.problems + problems) from None
    if problems:
        raise InputError(problems)
    workers = int(args.workers) if args.workers else None
    posterior = calibrate(config, args.pilot, out, args.scheduler, workers, quiet=not args.verbose)
    table = console.table(
        f"Posterior of {config.scenario} ({len(posterior.weights)} particles)",
        ["prior", "mean", "90% interval", "width / prior's"],
        "parameter",
    )
    for row in posterior.summary().itertuples():
        cells = [
            f"{row.prior_min:.3g} to {row.prior_max:.3g}",
            f"{row.mean:.3g}",
            f"{row.q05:.3g} to {row.q95:.3g}",
            f"{row.width_ratio:.0%}",
        ]
        console.add_row(table, [row.parameter, *cells])
    console.console().print(table)
    g = posterior.generations.iloc[-1]
    print(
        f"{len(posterior.generations)} generations; the last: epsilon {g.epsilon:.3g}, acceptance rate "
        f"{g.acceptance_rate:.2g}, effective sample size {g.ess:.0f}"
    )
    print(f"posterior written to {out}; use it with: meedoen run SCENARIO.toml --posterior {out}")
    return 0
