"""The worker process: runs queued tasks (Django's tasks framework, database backend) and
the periodic sweeps that apps register (the deadline sweep is one).

Stateless apart from the database: start as many as needed. Each sweep must claim its
rows atomically (SKIP LOCKED on PostgreSQL, a conditional UPDATE elsewhere) so that several
workers never act on the same row twice.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger("misper.worker")

Sweep = Callable[[], int]
SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Decorator: run ``fn`` on every tick; it returns how many things it did."""

    def wrap(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        return fn

    return wrap


def discover_sweeps() -> None:
    """Import each Misper app's ``tasks`` module, where it registers its sweeps."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("misper.") and find_spec(f"{config.name}.tasks"):
            import_module(f"{config.name}.tasks")


class Worker:
    def __init__(self, *, interval: float | None = None, worker_id: str | None = None) -> None:
        self.interval = settings.MISPER_WORKER_INTERVAL if interval is None else interval
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.running = True

    def stop(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker %s stopping (signal %s)", self.worker_id, signum)
        self.running = False

    def run_tasks(self) -> int:
        from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

        worker = TaskWorker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=100,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        before = worker._run_tasks
        worker.run()
        return worker._run_tasks - before

    def tick(self) -> int:
        close_old_connections()
        done = 0
        for name, sweep in SWEEPS.items():
            try:
                done += sweep()
            except Exception:
                log.exception("sweep %s failed; it will be retried on the next tick", name)
        done += self.run_tasks()
        close_old_connections()
        return done

    def run(
        self, *, once: bool = False, max_ticks: int | None = None, exit_when_idle: bool = False
    ) -> None:
        """Tick until stopped (SIGTERM/SIGINT finish the current tick first). ``once`` or
        ``max_ticks`` bound the ticks; ``exit_when_idle`` stops after a tick that found
        nothing to do (tests, batch runs)."""
        discover_sweeps()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("worker %s started: sweeps=%s", self.worker_id, ",".join(SWEEPS) or "none")
        ticks = 0
        while self.running:
            done = self.tick()
            ticks += 1
            if once or (max_ticks is not None and ticks >= max_ticks):
                return
            if not done:
                if exit_when_idle:
                    return
                time.sleep(self.interval)
