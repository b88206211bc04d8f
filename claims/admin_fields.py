"""Form fields of the claim form.

FigureField: a quantity's low and high are DecimalField(decimal_places=2), which the
admin showed as "13000.00" (or, through a browser's number box, "13000,00"). The box is
text: it shows "13000" and "1.5", and takes "13,000", "13 000" and "13000" (a comma
followed by three digits groups thousands; "1,5" is refused, as it is ambiguous).
"""

import re
from decimal import Decimal

from django import forms

THOUSANDS = re.compile(r"(?<=\d)[,\s\u00a0\u202f_](?=\d{3}(?!\d))")


def plain_figure(value: Decimal) -> str:
    """13000.00 -> "13000", 1.50 -> "1.5": no trailing zeros, never an exponent."""
    return format(value.normalize(), "f")


class FigureField(forms.DecimalField):
    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "size": 12}

    def prepare_value(self, value):
        return plain_figure(value) if isinstance(value, Decimal) and value.is_finite() else value

    def to_python(self, value):
        if isinstance(value, str):
            value = THOUSANDS.sub("", value.strip())  # lookarounds: every separator in one pass
        return super().to_python(value)
