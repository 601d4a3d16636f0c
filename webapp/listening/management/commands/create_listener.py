"""manage.py create_listener USERNAME [--password P] [--new-token]: a listener in, a token out.

A new listener (or one that has no token yet) is issued an API token, printed once: only its
hash is stored. For a listener that already has one, nothing is printed unless --new-token
issues a replacement (the old token stops working). Only the token goes to stdout, so scripts
can capture it; what happened goes to stderr.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from webapp.listening.selectors import listener_token_prefix
from webapp.listening.services import listener_create, listener_token_regenerate


class Command(BaseCommand):
    help = "Create a listener (or find it) and print a newly issued API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", default=None, help="set this password")
        parser.add_argument(
            "--new-token",
            action="store_true",
            help="issue a new token even if the listener has one (the old one stops working)",
        )

    def handle(self, *args, username: str, password: str | None, new_token: bool, **options):
        existed = get_user_model().objects.filter(username=username).exists()
        user = listener_create(username=username, password=password)
        state = "exists" if existed else "created"
        extra = ", password set" if password else ""
        prefix = listener_token_prefix(user=user)
        if prefix and not new_token:
            self.stderr.write(
                f"listener {username} {state}{extra}; it has a token starting {prefix}…, which "
                "was shown when it was issued and is stored only as a hash "
                "(--new-token issues a new one)"
            )
            return
        token = listener_token_regenerate(user=user)
        self.stderr.write(f"listener {username} {state}{extra}; its new API token (shown once):")
        self.stdout.write(token)
