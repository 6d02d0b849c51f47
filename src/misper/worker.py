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
from datetime import datetime
from types import FrameType

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger("misper.worker")

Sweep = Callable[[], int]
SWEEPS: dict[str, Sweep] = {}
# When a sweep next has work (None: nothing scheduled), so that an idle worker wakes then
# instead of a whole poll interval later (the deadline sweep: the next deadline's due time).
NextDue = Callable[[datetime], datetime | None]
WAKE_UPS: dict[str, NextDue] = {}
# The shortest pause after an idle tick: deadlines falling due every few milliseconds are
# taken in small groups rather than one tick each (a tick also polls the outbox and the
# task queue).
MIN_PAUSE = 0.05

# The id of the worker running in this process (``--worker-id``, default host:pid), for
# sweeps that record who did the work (the deadline sweep's ``acted_by``).
_worker_id: str = ""


def current_worker_id() -> str:
    return _worker_id or f"{socket.gethostname()}:{os.getpid()}"


def register_sweep(name: str, *, next_due: NextDue | None = None) -> Callable[[Sweep], Sweep]:
    """Decorator: run ``fn`` on every tick; it returns how many things it did.
    ``next_due(now)``, if given, says when the sweep next has work, so that an idle worker
    wakes up then (at most one poll interval later, at least ``MIN_PAUSE``)."""

    def wrap(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        if next_due is not None:
            WAKE_UPS[name] = next_due
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
        global _worker_id
        _worker_id = self.worker_id
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

    def pause(self) -> float:
        """How long to sleep after an idle tick: the poll interval, or less when a sweep
        has work sooner (a deadline falling due), but not less than ``MIN_PAUSE``."""
        pause = self.interval
        if not WAKE_UPS or pause <= MIN_PAUSE:
            return pause
        now = timezone.now()
        for name, next_due in WAKE_UPS.items():
            try:
                at = next_due(now)
            except Exception:
                log.exception("wake-up time of sweep %s failed; polling instead", name)
                continue
            if at is not None:
                pause = min(pause, (at - now).total_seconds())
        return max(pause, MIN_PAUSE)

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
                time.sleep(self.pause())
