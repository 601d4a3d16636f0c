"""manage.py create_listener USERNAME [--password P]: a listener in, its API token out.

Re-running for an existing listener prints the same token (and sets the password if given).
Only the token goes to stdout, so scripts can capture it.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from webapp.listening.models import Profile
from webapp.listening.services import listener_create


class Command(BaseCommand):
    help = "Create a listener (or find it) and print its API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", default=None, help="set this password")

    def handle(self, *args, username: str, password: str | None, **options) -> None:
        existed = get_user_model().objects.filter(username=username).exists()
        user = listener_create(username=username, password=password)
        token = Profile.objects.get(user=user).api_token
        state = "exists" if existed else "created"
        extra = ", password set" if password else ""
        self.stderr.write(f"listener {username} {state}{extra}; its API token:")
        self.stdout.write(token)
