"""``taavon verify-assembly <id> [--against bulletin.json …]``: recompute every closed item's tally
and hash chain from its ballots and compare them with every record of the close: the item's row,
the assembly's log, the audit log and the minutes approved by the presiding board (whose digest is
checked against the one pinned at approval).

``--against FILE`` (once per downloaded bulletin file, one file per item as the bulletin page
offers it) also compares the board today with that earlier copy and names every ballot changed,
removed or added since, by receipt hash, and a changed chain head, count or result.

Exit status 0 when everything matches; otherwise every discrepancy is printed to stderr and the
command fails with status 1. ``--json`` prints the reports as JSON instead.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taavon.assemblies.models import AgendaItem, Assembly, ItemState
from taavon.assemblies.voting import bulletin_file
from taavon.assemblies.voting.anchors import verify_minutes
from taavon.assemblies.voting.ballot_box import verify_assembly


class Command(BaseCommand):
    help = (
        "Verify the ballots of an assembly: recount every closed item, check its hash chain against every "
        "record of the close and the approved minutes, and (--against) against bulletin files downloaded earlier."
    )

    def add_arguments(self, parser):
        parser.add_argument("assembly_id", type=int)
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the verification reports as JSON"
        )
        parser.add_argument(
            "--against",
            action="append",
            default=[],
            metavar="BULLETIN_JSON",
            help="a bulletin file of one closed item downloaded earlier (repeat for several items)",
        )

    def handle(self, *args, assembly_id, as_json=False, against=(), **options):
        assembly = Assembly.objects.filter(pk=assembly_id).first()
        if assembly is None:
            raise CommandError(f"There is no assembly {assembly_id}.")
        reports = verify_assembly(assembly)
        by_item = {r.item_id: r for r in reports}
        for path in against:
            item, comparison = _compare_file(assembly, Path(path))
            by_item[item.pk].discrepancies.extend(comparison.messages())
        minutes_problems = verify_minutes(assembly)
        failed = [r for r in reports if not r.ok]
        if as_json:
            data = {
                "assembly": assembly.pk,
                "ok": not failed and not minutes_problems,
                "items": [r.as_dict() for r in reports],
                "minutes": minutes_problems,
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"Assembly {assembly.pk}: {assembly.title}")
            for report in reports:
                self.stdout.write(_line(report))
        if failed or minutes_problems:
            for report in failed:
                self.stderr.write(self.style.ERROR(f"Item {report.position} ({report.title}): VERIFICATION FAILED"))
                for problem in report.discrepancies:
                    self.stderr.write(self.style.ERROR(f"  - {problem}"))
            if minutes_problems:
                self.stderr.write(self.style.ERROR("Minutes: VERIFICATION FAILED"))
                for problem in minutes_problems:
                    self.stderr.write(self.style.ERROR(f"  - {problem}"))
            raise CommandError(
                f"VERIFICATION FAILED: {len(failed)} of {len(reports)} items of assembly {assembly.pk} "
                "do not match their ballots and records" + (", and the minutes do not match." if minutes_problems else ".")
            )
        if not as_json:
            checked = sum(1 for r in reports if r.checked)
            self.stdout.write(self.style.SUCCESS(f"OK: {checked} closed items verified."))


def _compare_file(assembly, path: Path):
    """The item a bulletin file is of, and its comparison with the board today."""
    try:
        with path.open(encoding="utf-8") as fp:
            bulletin = bulletin_file.open_bulletin(fp)
            header = bulletin.header
            if header.get("assembly") != assembly.pk:
                raise CommandError(
                    f"{path} is a bulletin of assembly {header.get('assembly')}, not of assembly {assembly.pk}."
                )
            item_id = header.get("item")
            item = AgendaItem.objects.filter(pk=item_id, assembly=assembly).first() if isinstance(item_id, int) else None
            if item is None or item.state != ItemState.CLOSED:
                raise CommandError(f"{path}: assembly {assembly.pk} has no closed item {header.get('item')}.")
            item.assembly = assembly
            return item, bulletin_file.compare(item, bulletin, name=path.name)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc
    except (bulletin_file.BulletinFileError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: {exc}") from exc


def _line(report) -> str:
    if not report.checked:
        return f"  item {report.position} ({report.title}): {report.state}, not closed: nothing to verify yet"
    status = "OK" if report.ok else "FAILED"
    return (
        f"  item {report.position} ({report.title}): {report.ballots} ballots, {report.voters} voters, "
        f"tally {report.tally}, chain head {report.chain_head}: {status}"
    )
