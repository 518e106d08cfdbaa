"""The big tables of the dashboards as HTML, joined in Python: a 200 x 20 heatmap through template loops costs far more.

Every value is escaped (``format_html``); the result is marked safe only as a whole.
"""

from datetime import datetime
from urllib.parse import quote

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.dashboards.tables import Table


def header_words(column: str) -> str:
    """A CSV column name as a table header reads: ``mean_mastery`` -> ``Mean mastery``."""
    return column.replace("_", " ").capitalize()


def cell_text(value) -> str:
    """A cell as a person reads it: a moment in the viewer's time zone (Django's active one), in words, not ISO 8601."""
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(value)


def table_html(table: Table, *, caption: str = "", css_class: str = "card-table data-table") -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((header_words(column),) for column in table.header))
    if table.rows:
        body = "".join("<tr>" + "".join(f"<td>{escape(cell_text(value))}</td>" for value in row) + "</tr>" for row in table.rows)
    else:
        body = format_html('<tr><td colspan="{}">Nothing yet.</td></tr>', len(table.header))
    caption_html = format_html("<caption>{}</caption>", caption) if caption else ""
    return mark_safe(f'<table class="{escape(css_class)}">{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def learner_url(username: str) -> str:
    """A learner's detail, relative to the cohort dashboard (4,000 cells link to it: the full path would double the page)."""
    return f"learners/{quote(username)}/"


def heatmap_html(concepts: list[str], rows) -> SafeString:
    """``rows`` of (LearnerMastery, cells) from ``selectors.heatmap``; every row and cell links to the learner's detail."""
    head = format_html_join("", '<th scope="col">{}</th>', ((concept,) for concept in concepts))
    lines = []
    for row, cells in rows:
        username = escape(row.learner.username)
        url = escape(learner_url(row.learner.username))
        tds = "".join(
            f'<td class="m{cell.bucket}"><a href="{url}">{cell.percent}</a> <small>{cell.cards_studied}</small></td>'
            if cell.cards_studied else '<td class="empty">–</td>'
            for cell in cells
        )
        lines.append(f'<tr><th scope="row"><a href="{url}">{username}</a></th>{tds}</tr>')
    return mark_safe(
        f'<table class="heatmap" id="mastery-heatmap"><thead><tr><th scope="col">Learner</th>{head}</tr></thead>'
        f'<tbody>{"".join(lines)}</tbody></table>'
    )


def learners_html(learners) -> SafeString:
    """The learners table of the dashboard (``LearnerMastery`` rows), each learner linked to their detail."""
    lines = [
        format_html(
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{} min</td><td>{}</td></tr>',
            learner_url(row.learner.username), row.learner.username, row.cards_studied,
            "" if row.mean_mastery is None else f"{row.mean_mastery:.0%}", row.cards_at_risk, round(row.time_spent_ms / 60000),
            timezone.localtime(row.last_seen_at).strftime("%Y-%m-%d %H:%M") if row.last_seen_at else "never",
        )
        for row in learners
    ]
    return mark_safe(
        '<table class="card-table" id="learner-table"><thead><tr><th scope="col">Learner</th><th scope="col">Cards</th>'
        '<th scope="col">Mean mastery</th><th scope="col">At risk</th><th scope="col">Time spent</th><th scope="col">Last seen</th>'
        f'</tr></thead><tbody>{"".join(lines)}</tbody></table>'
    )
