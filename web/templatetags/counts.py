from django import template

from web import counts

register = template.Library()


@register.filter
def capped(count: int) -> str:
    """A CappedCount as shown: "1,000+" beyond the cap."""
    return counts.capped(count)
