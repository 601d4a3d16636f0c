"""manage.py demo_login: prints where to open the demo and how to log in.

Nothing in but the database; out: the URL, the demo listener's and curator's credentials and
a newly issued API token for the demo listener (the accounts are created if seed_demo has not
run yet).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.demo.world import (
    CURATOR_PASSWORD,
    CURATOR_USERNAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    demo_accounts_ensure,
    demo_world_exists,
)
from webapp.listening.services import listener_token_regenerate


class Command(BaseCommand):
    help = "Print the demo URL, logins and the demo listener's API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **options) -> None:
        if not demo_world_exists():
            raise CommandError("No demo world in this database: run `manage.py seed_demo` first.")
        demo, _ = demo_accounts_ensure()
        url = url.rstrip("/") + "/"
        self.stdout.write(f"Open {url}")
        self.stdout.write(f"  listener: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        self.stdout.write(f"  curator:  {CURATOR_USERNAME} / {CURATOR_PASSWORD}  ({url}admin/)")
        token = listener_token_regenerate(user=demo)  # stored hashed: a new one each time
        self.stdout.write(f"  {DEMO_USERNAME}'s API token: {token} (new; the previous one stopped)")
