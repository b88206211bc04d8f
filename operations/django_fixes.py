"""Two small fixes to Django, found by tests/test_properties.py: without them a
tampered or scripted admin POST answers 500 instead of showing a form error.

1. `id__in=[9223372036854775808]`: Django answers an out-of-range integer in an exact,
   `gt` or `lt` lookup with "no rows" (IntegerFieldOverflow), but not in `in`, where
   SQLite raises OverflowError and PostgreSQL "integer out of range". A multiple
   choice field (a claim's subjects, a denial's claims) checks posted ids with `in`.
   IntegerFieldIn drops the values outside the column's range: no row can match them.

2. When a form comes back with errors, the admin's AutocompleteSelect(Multiple)
   looks the posted values up to show them as selected: `filter(id__in=[":"])`
   raises ValueError. The values the target field cannot read are dropped before that
   look-up; the form field itself still rejects them ("Select a valid choice").

Both are installed by OperationsConfig.ready().
"""

import copy

from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import ValidationError
from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def as_sql(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            kept = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
            if len(kept) != len(self.rhs):
                lookup = copy.copy(self)  # the query may be compiled again, elsewhere
                lookup.rhs = kept
                return super(IntegerFieldIn, lookup).as_sql(compiler, connection)
        return super().as_sql(compiler, connection)


_original_optgroups = AutocompleteMixin.optgroups


def _readable_values(widget, values) -> list:
    remote = widget.field.remote_field
    opts = remote.model._meta
    target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
    readable = []
    for value in values:
        try:
            target.run_validators(target.to_python(value))  # includes the database's integer range
        except (ValidationError, ValueError, TypeError, OverflowError):
            continue
        readable.append(value)
    return readable


def _optgroups(self, name, value, attr=None):
    return _original_optgroups(self, name, _readable_values(self, value), attr)


def install() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    AutocompleteMixin.optgroups = _optgroups
