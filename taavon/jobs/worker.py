"""The worker: threads that claim and run due jobs, poll with a short sleep when idle, run the
periodic scheduler every few seconds, and stop cleanly when asked."""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

from .queue import run_pending
from .scheduler import Scheduler

logger = logging.getLogger("taavon.jobs")


class Worker:
    """``threads`` threads running jobs until :meth:`stop`; one scheduler shared by them."""

    def __init__(
        self,
        *,
        threads: int = 2,
        idle_sleep: float | None = None,
        schedule_every: float | None = None,
        batch: int = 10,
        name: str | None = None,
    ) -> None:
        self.threads = max(1, threads)
        self.idle_sleep = idle_sleep if idle_sleep is not None else getattr(settings, "JOBS_IDLE_SLEEP_SECONDS", 0.5)
        self.schedule_every = schedule_every if schedule_every is not None else getattr(settings, "JOBS_SCHEDULE_SECONDS", 5.0)
        self.batch = batch
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self.scheduler = Scheduler()
        self._next_schedule = 0.0
        self._schedule_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads (daemons: they end with the process)."""
        self.stopping.clear()
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(f"{self.name}:{n}",), name=f"jobs-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, *, timeout: float | None = None) -> None:
        """Ask the threads to stop after their current job and wait for them."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]

    def _schedule_due(self) -> bool:
        with self._schedule_lock:
            if time.monotonic() < self._next_schedule:
                return False
            self._next_schedule = time.monotonic() + self.schedule_every
            return True

    def run_once(self, *, worker_id: str) -> int:
        """One round: the scheduler if its turn, then up to ``batch`` jobs; the number of jobs run."""
        if self._schedule_due():
            self.scheduler.run()
        return run_pending(worker_id=worker_id, limit=self.batch)

    def _loop(self, worker_id: str) -> None:
        try:
            while not self.stopping.is_set():
                ran = 0
                # Connections are reopened per round, as per request: a dropped connection heals.
                close_old_connections()
                try:
                    ran = self.run_once(worker_id=worker_id)
                except Exception:
                    # The database may be away for a moment: log, wait, try again; never die.
                    logger.exception("job worker %s: round failed", worker_id)
                finally:
                    close_old_connections()
                if not ran:
                    self.stopping.wait(self.idle_sleep)
        finally:
            connection.close()


def start_worker_threads(threads: int = 2) -> Worker:
    """Start a worker of ``threads`` daemon threads in this process (``taavon serve``); the worker."""
    worker = Worker(threads=threads)
    worker.start()
    logger.info("background jobs run in this process (%s worker threads)", threads)
    return worker
