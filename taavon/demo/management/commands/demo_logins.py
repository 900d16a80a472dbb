"""``taavon demo_logins``: print the demo logins (one per role), or how to create them."""

from django.core.management.base import BaseCommand

from taavon.demo.logins import DEMO_PASSWORD, describe_demo_logins


class Command(BaseCommand):
    help = "Print the demo logins: role, national code, password and scope."

    def handle(self, *args, **options):
        rows = describe_demo_logins()
        if rows is None:
            self.stdout.write("No demo logins in this database. Create them with: taavon demo")
            return
        headers = {"role": "Role", "national_code": "National code", "password": "Password", "scope": "Scope"}
        widths = {key: max(len(title), *(len(row[key]) for row in rows)) for key, title in headers.items()}

        def line(values):
            return "  ".join(values[key].ljust(widths[key]) for key in headers).rstrip()

        self.stdout.write("Demo logins")
        self.stdout.write(line(headers))
        self.stdout.write(line({key: "-" * widths[key] for key in headers}))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write(
            f"Officials: national code and the shared password {DEMO_PASSWORD}, then a one-time code. "
            "Members: national code and a one-time code only. In demo mode the code is shown on screen. "
            "An official who is also a member may log in as a member (code only) and confirm the password "
            "later to act as an official (Act as official)."
        )
