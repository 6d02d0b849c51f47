"""The ``misper`` command.

``misper policy ...`` runs the pure policy engine (no database, no Django). Every other
command is a Django management command (``misper migrate``, ``misper demo``,
``misper worker``, ``misper audit verify``, ``misper runserver``...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "policy":
        from misper.policy.cli import main as policy_main

        return policy_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "misper.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["misper", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
