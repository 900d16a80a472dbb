"""``taavon demo``: load the deterministic demo data set (see :mod:`taavon.demo.generator`)."""

from django.core.management.base import BaseCommand, CommandError

from taavon.demo.generator import DEFAULT_COOPERATIVES, DEFAULT_SEED, MEMBERS_PER_COOPERATIVE, DemoError, generate
from taavon.registry.models import Cooperative


class Command(BaseCommand):
    help = (
        "Load demo data: cooperatives over the 31 provinces with members, boards, status histories "
        "and one demo login per role. Deterministic for a given --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cooperatives", type=int, default=DEFAULT_COOPERATIVES, help="number of cooperatives (default %(default)s)"
        )
        parser.add_argument(
            "--members",
            type=int,
            default=None,
            help=f"total memberships (default {MEMBERS_PER_COOPERATIVE} per cooperative)",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any cooperative exists")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, cooperatives, members, seed, if_empty, no_progress, **options):
        if if_empty and Cooperative.objects.exists():
            if options["verbosity"] >= 1:
                self.stdout.write("Cooperatives already exist: demo data not loaded.")
            return
        bar = None
        progress = None
        if not no_progress:
            from tqdm import tqdm

            bar = tqdm(total=cooperatives, unit="coop", unit_scale=True, desc="demo", mininterval=0.5)

            def progress(done, memberships):
                bar.n = done
                if done == cooperatives or done % 500 == 0:
                    bar.set_postfix(memberships=f"{memberships:,}", refresh=False)
                    bar.refresh()

        try:
            summary = generate(cooperatives=cooperatives, members=members, seed=seed, progress=progress)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        for warning in summary.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded in {summary.seconds:.1f} s ({summary.writer}): "
                    f"{summary.cooperatives:,} cooperatives, {summary.people:,} people, "
                    f"{summary.memberships:,} memberships, {summary.positions:,} positions, "
                    f"{summary.status_changes:,} status changes."
                )
            )
            self.stdout.write("Demo logins: taavon demo_logins")
