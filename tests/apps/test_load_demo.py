"""manage.py load_demo: the demo deck and accounts, safe to run twice; bad CSV refused by line."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from apps.cards.models import Card, Deck


def _load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_loads_the_demo_deck_and_accounts_once(db, client):
    first = _load_demo()
    deck = Deck.objects.get()
    assert deck.visibility == Deck.Visibility.PUBLIC
    assert deck.cards.count() >= 150
    assert all(card.tags for card in deck.cards.all())
    passwords = dict(re.findall(r"created (\S+)\s+password: (\S+)", first))
    assert set(passwords) == {"demo-learner", "demo-instructor", "demo-researcher", "demo-admin"}
    assert len(set(passwords.values())) == 4
    assert client.login(request=HttpRequest(), username="demo-learner", password=passwords["demo-learner"])
    assert get_user_model().objects.get(username="demo-admin").is_staff
    assert {g.name for g in get_user_model().objects.get(username="demo-researcher").groups.all()} == {"researcher", "learner"}

    second = _load_demo()
    assert "password:" not in second
    assert "0 cards added" in second
    assert Card.objects.count() == deck.cards.count()
    assert get_user_model().objects.count() == 4


def test_a_bad_csv_names_the_line_and_changes_nothing(db, tmp_path):
    bad = tmp_path / "cards.csv"
    bad.write_text("front,back,tags\nCapital of Peru?,Lima,geography\nMissing back,,geography\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3: front and back must both be filled in"):
        _load_demo("--csv", str(bad))
    assert not Card.objects.exists()
    assert not get_user_model().objects.exists()
