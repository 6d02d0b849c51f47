from typing import Any

from django.apps import AppConfig


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """misper_purge_allowed(): used by the append-only triggers (agencies migration 0002).
    It lets the test suite's flush empty the tables, and nothing else."""
    if connection.vendor == "sqlite":
        from django.conf import settings

        allowed = 1 if getattr(settings, "MISPER_ALLOW_TEST_FLUSH", False) else 0
        connection.connection.create_function(
            "misper_purge_allowed", 0, lambda: allowed, deterministic=True
        )


class CoreConfig(AppConfig):
    name = "misper.core"
    label = "core"
    verbose_name = "The timeline, the audit log and deadlines"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from misper.core import events  # noqa: F401  its timeline verbs

        connection_created.connect(_register_sqlite_functions, dispatch_uid="misper_sqlite_fns")
