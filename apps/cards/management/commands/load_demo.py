"""``manage.py load_demo``: the demo deck and demo accounts, safe to run any number of times.

Accounts are created with a fresh random password that is printed once; an account
that already exists keeps its password and is listed without one (use
``manage.py changepassword`` to reset it). Cards already in the deck (same text) are
not added again.
"""

import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts import roles
from apps.accounts.services import user_role_add
from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import DeckFileError
from apps.cards.models import Deck
from apps.cards.services import deck_create, deck_import_cards

DEMO_DECK_CSV = Path(__file__).resolve().parents[2] / "demo_deck" / "cards.csv"
DEMO_DECK_TITLE = "World geography & science trivia"
DEMO_DECK_DESCRIPTION = "Capitals, rivers, mountains, elements and famous discoveries: a demo deck shipped with Mnemo."
DEMO_ACCOUNTS = (
    # username, role, staff
    ("demo-learner", roles.LEARNER, False),
    ("demo-instructor", roles.INSTRUCTOR, False),
    ("demo-researcher", roles.RESEARCHER, False),
    ("demo-admin", None, True),
)


class Command(BaseCommand):
    help = "Load the demo deck and create demo accounts (passwords printed once, on creation)."

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, default=DEMO_DECK_CSV, help="cards CSV (front,back,tags)")

    def handle(self, *args, csv: Path, **options):
        try:
            rows = read_deck_file(csv, limits=ImportLimits.from_settings()).cards
        except (DeckFileError, OSError) as error:
            raise CommandError(f"{csv}: {error}") from error
        with transaction.atomic():
            created_passwords = {username: self._ensure_account(username, role, staff) for username, role, staff in DEMO_ACCOUNTS}
            owner = get_user_model().objects.get(username="demo-instructor")
            deck = Deck.objects.filter(owner=owner, title=DEMO_DECK_TITLE).first() or deck_create(
                owner=owner, title=DEMO_DECK_TITLE, description=DEMO_DECK_DESCRIPTION, visibility=Deck.Visibility.PUBLIC
            )
            added = deck_import_cards(deck=deck, rows=rows)
        self.stdout.write(f"Demo deck “{deck.title}”: {added} cards added, {deck.cards.count()} in total.")
        for username, password in created_passwords.items():
            if password:
                self.stdout.write(f"  created {username:<16} password: {password}")
            else:
                self.stdout.write(f"  {username:<24} already exists (password unchanged)")

    def _ensure_account(self, username: str, role: str | None, staff: bool) -> str | None:
        """Create the account if missing; return its new password, or None if it already existed."""
        users = get_user_model().objects
        if users.filter(username=username).exists():
            return None
        password = secrets.token_urlsafe(12)
        if staff:
            user = users.create_superuser(username=username, password=password, email="")
        else:
            user = users.create_user(username=username, password=password)
        for group in ([role] if role else []) + ([roles.LEARNER] if role != roles.LEARNER else []):
            user_role_add(user=user, role=group)
        return password
