"""Two Django bugs, found by tests/test_properties.py, worked around where they bite:
without these a tampered or scripted admin request answers 500 instead of a form error
or an empty list. Nothing here patches Django: the admins use these classes through
AdminFixesMixin (history.admin.HistoryAdminMixin, and the inlines of claims.admin and
sources.admin). Remove each piece when Django fixes its bug.

1. Django answers an out-of-range integer in an exact, `gt` or `lt` lookup with "no
   rows" (IntegerFieldOverflow), but not in `in`: `id__in=[9223372036854775808]`
   raises OverflowError on SQLite and "integer out of range" on PostgreSQL when the
   query runs. The admin builds `in` lookups from what a client sends in two places:
   a multiple choice field checking the posted ids (a claim's subjects, a denial's
   claims: ModelMultipleChoiceField._check_values) and a changelist URL
   (`?id__in=...`). RangeCheckedModelMultipleChoiceField rejects those ids as invalid
   choices, and RangeCheckedChangeList drops them from the lookup: no row can match.

2. When a form comes back with errors, AutocompleteSelect(Multiple).optgroups() looks
   the posted values up to show them as selected, `filter(id__in=[":"])`, which raises
   ValueError for a value the target field cannot read (and OverflowError, 1. above,
   for one beyond its range). The autocomplete widgets here drop those values before
   that look-up; the form field itself still rejects them ("Select a valid choice").
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models
from django.db.models.constants import LOOKUP_SEP


def _column_field(field):
    """The model field whose column holds a value for `field` (a relation's target)."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    return field


def _path_field(model, path: str):
    """The field a lookup path (`subjects__pk`) ends on."""
    field = None
    for name in path.split(LOOKUP_SEP):
        if field is not None:
            if not field.is_relation:
                raise FieldDoesNotExist(f"{path}: {field.name} is not a relation")
            model = field.related_model
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return field


def _beyond_integer_range(field, value, connection) -> bool:
    """Whether `value` is an integer the column of `field` cannot hold."""
    field = _column_field(field)
    if not isinstance(field, models.IntegerField):
        return False
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False  # not a number: the lookup itself says so
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is not None and number < low) or (high is not None and number > high)


def _readable(field, value) -> bool:
    """Whether `field` can read `value` and hold it (its validators include the
    database's integer range)."""
    try:
        field.run_validators(field.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class RangeCheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Bug 1 in ModelMultipleChoiceField._check_values: an id beyond the column's range
    is an invalid choice, checked before Django's `in` look-up of the posted ids."""

    def _check_values(self, value):
        if isinstance(value, list | tuple | set | frozenset):
            key = self.queryset.model._meta.get_field(self.to_field_name or self.queryset.model._meta.pk.name)
            connection = connections[self.queryset.db]
            for item in value:
                if isinstance(item, str | int) and _beyond_integer_range(key, item, connection):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super()._check_values(value)


class _ReadableValuesMixin:
    """Bug 2 in AutocompleteMixin.optgroups: only values the target field can read
    are looked up to be redisplayed as selected."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        return super().optgroups(name, [v for v in value if _readable(target, v)], attr)


class ReadableAutocompleteSelect(_ReadableValuesMixin, AutocompleteSelect):
    pass


class ReadableAutocompleteSelectMultiple(_ReadableValuesMixin, AutocompleteSelectMultiple):
    pass


class RangeCheckedChangeList(ChangeList):
    """Bug 1 in a changelist URL: values beyond the column's range are dropped from
    an `__in` parameter (`?id__in=9223372036854775808` lists nothing, as `?id=` does)."""

    def get_filters(self, request):
        filter_specs, has_filters, remaining, may_have_duplicates, has_active = super().get_filters(request)
        connection = connections[self.root_queryset.db]
        for key, value_lists in remaining.items():
            if not key.endswith("__in"):
                continue
            try:
                field = _path_field(self.model, key.removesuffix("__in"))
            except FieldDoesNotExist:
                continue
            remaining[key] = [
                [v for v in values if not _beyond_integer_range(field, v, connection)]
                if isinstance(values, list)
                else values
                for values in value_lists
            ]
        return filter_specs, has_filters, remaining, may_have_duplicates, has_active


class AdminFixesMixin:
    """For a ModelAdmin or an InlineModelAdmin: the classes above in place of Django's."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ReadableAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ReadableAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", RangeCheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return RangeCheckedChangeList


class TabularInline(AdminFixesMixin, admin.TabularInline):
    pass


class StackedInline(AdminFixesMixin, admin.StackedInline):
    pass
