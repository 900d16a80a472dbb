"""``taavon serve``: the ASGI server (daphne) on one address, with the demo logins printed.

In the embedded default (no ``REDIS_URL``) it also runs the background jobs (notices, live
turnout) in worker threads of the same process, so ``make run`` needs nothing else; production
runs ``taavon run_jobs`` workers beside several servers and passes ``--no-worker`` (the default
there).
"""

import argparse
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from taavon.core.signals import server_starting


class Command(BaseCommand):
    help = "Serve Taavon over HTTP and WebSocket (daphne) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--worker",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="run the background jobs in this process (default: only without REDIS_URL)",
        )

    def handle(self, *args, host, port, worker, **options):
        if settings.DEBUG is False and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            # Collecting takes minutes: it belongs to the install or deploy step (`make install`,
            # `taavon collectstatic`); a server starting without a collection does it once.
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Taavon is served at http://{host}:{port}/"))
        if settings.TAAVON_DEMO:
            call_command("demo_logins", stdout=self.stdout)
        run_jobs = worker if worker is not None else not settings.REDIS_URL
        for _receiver, said in server_starting.send(sender=self.__class__, run_jobs=run_jobs):
            if said:
                self.stdout.write(said)
        sys.stdout.flush()
        from daphne.cli import CommandLineInterface

        from taavon.core.daphne_limits import LimitedServer

        cli = CommandLineInterface()
        cli.server_class = LimitedServer  # refuses an over-large body as it arrives, before daphne buffers it
        # No --proxy-headers: daphne would believe X-Forwarded-For from anyone. The client's address
        # is worked out by taavon.core.clientip, from the proxies in TRUSTED_PROXIES only.
        cli.run(["-b", host, "-p", str(port), "taavon.asgi:application"])

