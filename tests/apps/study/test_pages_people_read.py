"""Pages people read: card text rendered (and sanitised) in History, table headers in words, times in the viewer's
time zone, key hints hidden on touch screens."""

import re
import uuid
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.formats import date_format

from apps.accounts.time_zone import TIME_ZONE_COOKIE
from apps.cards.services import card_create, deck_create
from apps.study.services import shown_card_choose_next, study_log_record

CSS = Path(__file__).resolve().parents[3] / "static" / "css" / "mnemo.css"
ANSWERED = datetime(2026, 3, 1, 23, 30, tzinfo=dt_timezone.utc)


def _studied(owner, front):
    deck = deck_create(owner=owner, title="Markup")
    card_create(deck=deck, front=front, back="to arrive", tags=[])
    shown = shown_card_choose_next(learner=owner, deck=deck, now=ANSWERED)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=2500, shown_uuid=shown.uuid, now=ANSWERED)


def test_history_shows_card_text_rendered_and_sanitised(owner, web_client_for):
    _studied(owner, '<b>llegar</b> <img src="x.png" onerror="alert(1)"><script>alert(2)</script>')
    page = web_client_for(owner).get(reverse("study:history")).content.decode()
    assert "<b>llegar</b>" in page and "&lt;b&gt;" not in page
    assert "onerror" not in page and "alert(2)" not in page
    assert "<th>Time taken</th>" in page and re.search(r"<td>[23] s</td>", page)


def test_history_times_are_in_the_viewers_time_zone(owner, web_client_for):
    _studied(owner, "llegar")
    client = web_client_for(owner)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    page = client.get(reverse("study:history")).content.decode()
    assert date_format(ANSWERED.astimezone(ZoneInfo("Asia/Tokyo")), "DATETIME_FORMAT") in page  # already the next day there
    assert "(JST)" in page and "2026-03-01T23:30" not in page
    client.cookies[TIME_ZONE_COOKIE] = "Not/AZone" + "x" * 100
    page = client.get(reverse("study:history")).content.decode()
    assert date_format(ANSWERED, "DATETIME_FORMAT") in page  # an unknown zone: the site's (UTC)


def test_dashboard_table_headers_are_words(owner, web_client_for):
    page = web_client_for(owner).get(reverse("dashboards:progress")).content.decode()
    assert '<th scope="col">Mean daily reviews</th>' in page
    assert "mean_daily_reviews</th>" not in page


def test_key_hints_are_hidden_on_touch_screens():
    assert "@media (hover: none) { kbd, .shortcuts { display: none; } }" in CSS.read_text()
