"""The big tables of the dashboards as HTML, joined in Python: a 200 x 20 heatmap through template loops costs far more.

Every value is escaped (``format_html``); the result is marked safe only as a whole.
"""

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.dashboards.tables import Table


def table_html(table: Table, *, caption: str = "", css_class: str = "card-table data-table") -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((column,) for column in table.header))
    if table.rows:
        body = "".join("<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>" for row in table.rows)
    else:
        body = format_html('<tr><td colspan="{}">Nothing yet.</td></tr>', len(table.header))
    caption_html = format_html("<caption>{}</caption>", caption) if caption else ""
    return mark_safe(f'<table class="{escape(css_class)}">{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def heatmap_html(concepts: list[str], rows, learner_url) -> SafeString:
    """``rows`` of (LearnerMastery, cells) from ``selectors.heatmap``; ``learner_url(username)`` links each row and cell."""
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
