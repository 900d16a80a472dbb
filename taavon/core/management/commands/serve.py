"""``taavon serve``: the ASGI server (daphne) on one address, with the demo logins printed."""

import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Taavon over HTTP and WebSocket (daphne) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        if settings.DEBUG is False:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Taavon is served at http://{host}:{port}/"))
        if settings.TAAVON_DEMO:
            call_command("demo_logins", stdout=self.stdout)
        sys.stdout.flush()
        from daphne.cli import CommandLineInterface

        CommandLineInterface().run(["-b", host, "-p", str(port), "--proxy-headers", "taavon.asgi:application"])
