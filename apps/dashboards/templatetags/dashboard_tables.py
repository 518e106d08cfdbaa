"""``{{ table|table_html }}`` and ``{{ table|table_html:"caption" }}``: a dashboards table (see ``html.table_html``)."""

from django import template

from apps.dashboards.html import table_html as render_table

register = template.Library()


@register.filter
def table_html(table, caption: str = ""):
    return render_table(table, caption=caption)
