"""``python -m meedoen``: the command line (see meedoen.cli)."""

import sys

from meedoen.cli import entry

sys.exit(entry())
