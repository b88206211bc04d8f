from django import template

from web import counts

register = template.Library()


@register.filter
def capped(count: int) -> str:
    """A CappedCount as shown: "100+" beyond the cap."""
    return counts.capped(count, counts.ROW_COUNT_CAP)
