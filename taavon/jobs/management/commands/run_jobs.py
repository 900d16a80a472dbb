"""``taavon run_jobs``: a worker process running the background jobs kept in the database.

Run as many as needed beside the servers on PostgreSQL; on SQLite ``taavon serve`` already runs
worker threads in its own process, so this is only needed there for ``--once``.
"""

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from taavon.jobs.queue import run_all
from taavon.jobs.scheduler import schedule
from taavon.jobs.worker import Worker


class Command(BaseCommand):
    help = "Run the background jobs queued in the database (until stopped, or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=2, help="worker threads in this process (default 2)")
        parser.add_argument("--once", action="store_true", help="queue the periodic jobs, run every due job, then exit")

    def handle(self, *args: Any, threads: int, once: bool, **options: Any) -> None:
        if once:
            queued = schedule()
            ran = run_all()
            self.stdout.write(f"{queued} periodic jobs queued, {ran} jobs run.")
            return
        worker = Worker(threads=threads)

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stopping.set()

        # SIGTERM (systemd, docker stop) ends the current jobs, then the process.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.start()
        self.stdout.write(self.style.SUCCESS(f"Running background jobs with {worker.threads} threads."))
        self.stdout.flush()
        while not worker.stopping.wait(1.0):
            pass
        worker.stop()
        self.stdout.write("Stopped.")
