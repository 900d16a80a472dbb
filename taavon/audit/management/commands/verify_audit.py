"""``taavon verify-audit``: walk the audit log's hash chain and say whether it is intact.

Prints the chain's head (``SEQ:DIGEST``, the form minutes and bulletins print) and every problem
in plain words: a changed event, a removed one, one inserted afterwards, a head printed earlier
(``--expect-head SEQ:DIGEST``) that no longer matches. Exit status 0 when the chain is intact,
1 otherwise. ``--seal`` first seals the events waiting for the sealer (see ``taavon.audit.chain``).
"""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from taavon.audit import chain


def _head(text: str) -> chain.Head:
    try:
        return chain.Head.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Command(BaseCommand):
    help = "Verify the audit log's hash chain: find changed, removed and inserted events."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-head",
            type=_head,
            metavar="SEQ:DIGEST",
            help="a head printed earlier (minutes, bulletin): fail unless the chain still passes through it",
        )
        parser.add_argument("--seal", action="store_true", help="seal the events waiting for the sealer first")
        parser.add_argument(
            "--since", type=int, default=0, metavar="SEQ", help="trust the entries up to SEQ (checked earlier)"
        )

    def handle(self, *args, expect_head=None, seal=False, since=0, **options):
        if seal:
            sealed = chain.seal()
            self.stdout.write(f"Sealed {sealed} waiting events.")
        started = time.monotonic()
        report = chain.check(since_seq=since, expect=expect_head)
        seconds = time.monotonic() - started
        head = report.head
        self.stdout.write(f"Audit log head: {head}")
        self.stdout.write(
            f"  {head.count} entries sealed, {report.checked} checked in {seconds:.1f} s; "
            f"{report.unsealed} events waiting to be sealed."
        )
        if expect_head is not None and report.ok:
            self.stdout.write(f"  The chain still passes through the head printed earlier ({expect_head}).")
        if report.problems:
            for problem in report.problems:
                self.stderr.write(self.style.ERROR(f"  - {problem}"))
            raise CommandError(f"VERIFICATION FAILED: {len(report.problems)} problems in the audit log.")
        self.stdout.write(self.style.SUCCESS("OK: the audit log is intact."))
