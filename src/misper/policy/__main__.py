"""``python -m misper.policy``: the same as ``misper policy``."""

import sys

from misper.policy.cli import main

raise SystemExit(main(sys.argv[1:]))
