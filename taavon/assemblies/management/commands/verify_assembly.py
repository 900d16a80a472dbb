"""``taavon verify-assembly <id>``: recompute every closed item's tally and hash chain from its
ballots and compare them with what was published at the close.

Exit status 0 when everything matches; otherwise every discrepancy is printed to stderr (a ballot
changed, removed or added, a result that does not follow from the ballots…) and the command fails
with status 1. ``--json`` prints the reports as JSON instead.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from taavon.assemblies.models import Assembly
from taavon.assemblies.voting.ballot_box import verify_assembly


class Command(BaseCommand):
    help = "Verify the ballots of an assembly: recount every closed item and check its hash chain."

    def add_arguments(self, parser):
        parser.add_argument("assembly_id", type=int)
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the verification reports as JSON"
        )

    def handle(self, *args, assembly_id, as_json=False, **options):
        assembly = Assembly.objects.filter(pk=assembly_id).first()
        if assembly is None:
            raise CommandError(f"There is no assembly {assembly_id}.")
        reports = verify_assembly(assembly)
        failed = [r for r in reports if not r.ok]
        if as_json:
            data = {"assembly": assembly.pk, "ok": not failed, "items": [r.as_dict() for r in reports]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"Assembly {assembly.pk}: {assembly.title}")
            for report in reports:
                self.stdout.write(_line(report))
        if failed:
            for report in failed:
                self.stderr.write(self.style.ERROR(f"Item {report.position} ({report.title}): VERIFICATION FAILED"))
                for problem in report.discrepancies:
                    self.stderr.write(self.style.ERROR(f"  - {problem}"))
            raise CommandError(
                f"VERIFICATION FAILED: {len(failed)} of {len(reports)} items of assembly {assembly.pk} "
                "do not match their published ballots."
            )
        if not as_json:
            checked = sum(1 for r in reports if r.checked)
            self.stdout.write(self.style.SUCCESS(f"OK: {checked} closed items verified."))


def _line(report) -> str:
    if not report.checked:
        return f"  item {report.position} ({report.title}): {report.state}, not closed: nothing to verify yet"
    status = "OK" if report.ok else "FAILED"
    return (
        f"  item {report.position} ({report.title}): {report.ballots} ballots, {report.voters} voters, "
        f"tally {report.tally}, chain head {report.chain_head}: {status}"
    )
