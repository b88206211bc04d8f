"""Who put a source out, the same on every page.

    {% load publishers %}
    {% publisher source %}

An outlet is named and linked to its page; a source with no outlet is an unpublished
document (a closed-door briefing, a report to lawmakers), said so with the body that
issued it: "unpublished document issued by National Intelligence Service".
"""

from django import template
from django.utils.html import format_html

from web.paths import publisher_text
from web.paths import source_label as _source_label

register = template.Library()


@register.simple_tag
def publisher(source, link: bool = True):
    """The source's outlet, linked to its page (unless link=False), or what the
    unpublished document is; empty for no source (a history row's removed source)."""
    if not source:
        return ""
    if source.outlet_id and link:
        return format_html('<a href="{}">{}</a>', source.outlet.get_absolute_url(), source.outlet.name)
    return format_html('<span class="publisher">{}</span>', publisher_text(source))


@register.filter
def source_label(source) -> str:
    """A short name for a source in a sentence: "the Associated Press wire story of
    1 November 2023"."""
    return _source_label(source) if source else ""
