"""The admin side of history: every curated model's "History" page lists its revisions
with who, when, why and what changed, and restores any of them; a "Deleted records"
page per model brings deleted records back. Versioned records (claims, denials,
sources) carry the version they were loaded with, and a save based on an older version
is refused with a list of what changed meanwhile (optimistic locking).

Every inline formset of these admins is a GuardedInlineFormSet
(operations/formsets.py): a crafted management form or row id is refused on the page
before anything is saved.

Nothing here registers a model: claims/admin.py and sources/admin.py mix these in.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator

from history.records import (
    DELETED,
    Change,
    Labels,
    current_values,
    diff_values,
    group_revisions,
    history_model,
    is_versioned,
    part_relations,
    revision_values,
    rows_of,
)
from history.services import (
    NotRestorable,
    delete_record,
    deleted_records,
    recover_deleted,
    restore_revision,
    save_record,
)
from history.tracking import EditConflict
from operations.admin_scale import ScaledChangeListMixin
from operations.django_fixes import AdminFixesMixin
from operations.formsets import guarded

NOT_FORM_CONTENT = {"change_reason", "loaded_version"}


def short(value: str, length: int = 90) -> str:
    return Truncator(str(value)).chars(length)


def describe_changes(model, changes) -> list[str]:
    labels = Labels(model, [changes])
    return [f"{c.field}: {short(labels.show(c.name, c.old))} → {short(labels.show(c.name, c.new))}" for c in changes]


def conflict_messages(model, pk, loaded_version: int, *, noun: str) -> list[str]:
    """What changed in a versioned record since `loaded_version`: for the error shown
    to the second of two people saving it."""
    revisions = group_revisions(model, rows_of(model, pk))
    seen = next((r for r in reversed(revisions) if r.number == loaded_version and r.type != DELETED), None)
    later = [r for r in revisions if r.number > loaded_version and r.type != DELETED]
    now = later[-1] if later else None
    lines = []
    if now is not None:
        who = "; ".join(
            f"version {r.number} by {r.user or 'an unknown user'} at "
            f"{timezone.localtime(r.date):%d %b %Y %H:%M}" + (f" ({short(r.reason, 60)})" if r.reason else "")
            for r in later[-3:]
        )
        lines.append(
            f"Someone else saved this {noun} while you were editing it: you opened version {loaded_version}, "
            f"it is now version {now.number} ({who})."
        )
    else:
        lines.append(f"Someone else saved this {noun} while you were editing it (you opened version {loaded_version}).")
    changed = []
    if seen is not None and now is not None:
        changed = describe_changes(model, diff_values(model, revision_values(model, seen), revision_values(model, now)))
    if later:
        for _name, part_model, fk in part_relations(model):
            rows = history_model(part_model).objects.filter(**{fk: pk}, revision_id__gte=later[0].revision_id)
            count = rows.count()
            if count:
                changed.append(f"{part_model._meta.verbose_name_plural}: {count} row change{'s' if count > 1 else ''}")
    if changed:
        lines.append("Changed since you opened it: " + "; ".join(changed) + ".")
    lines.append(
        "Nothing was saved. Your edits are still in this form: open the current version in another tab, "
        "re-apply them there and save."
    )
    return lines


class HistoryForm(forms.ModelForm):
    """Adds the reason for a change and, for versioned records, the version the page
    was loaded with; refuses a save based on an older version."""

    change_reason = forms.CharField(
        label="reason for this change",
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Kept in the history. Required when changing a published record: readers see it in its changelog.",
    )
    loaded_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_versioned(type(self.instance)):
            del self.fields["loaded_version"]
        elif not self.instance._state.adding:
            self.fields["loaded_version"].initial = self.instance.version

    def related_formsets(self) -> list:
        """The inline formsets posted with this form (set by HistoryAdminMixin)."""
        return getattr(self.instance, "_admin_formsets", [])

    def content_changed(self) -> bool:
        if any(name not in NOT_FORM_CONTENT for name in self.changed_data):
            return True
        return any(formset.has_changed() for formset in self.related_formsets())

    def reason_required(self) -> bool:
        return False

    def clean(self):
        cleaned = super().clean()
        if "loaded_version" in self.fields and not self.instance._state.adding:
            self.check_version(cleaned.get("loaded_version"))
        if self.reason_required() and not cleaned.get("change_reason", "").strip():
            self.add_error(
                "change_reason", "Give a reason for this change: the record is published and readers see its changelog."
            )
        return cleaned

    def check_version(self, loaded):
        model = type(self.instance)
        noun = model._meta.verbose_name
        if loaded is None:
            raise ValidationError(
                f"This page was opened without the {noun}'s version number: reload it, then save.", code="no_version"
            )
        rows = model._base_manager.filter(pk=self.instance.pk)
        if connection.in_atomic_block:
            rows = rows.select_for_update()  # held until the save commits (PostgreSQL)
        current = rows.values_list("version", flat=True).first()
        if current is None:
            raise ValidationError(
                f"This {noun} was deleted while you were editing it; nothing was saved. "
                "An editor can bring it back from the deleted records.",
                code="edit_conflict",
            )
        if current != loaded:
            raise ValidationError(
                [
                    ValidationError(m, code="edit_conflict")
                    for m in conflict_messages(model, self.instance.pk, loaded, noun=noun)
                ]
            )


class RestoreForm(forms.Form):
    reason = forms.CharField(label="reason", max_length=1000, widget=forms.TextInput(attrs={"size": 80}))
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class HistoryAdminMixin(ScaledChangeListMixin, AdminFixesMixin, admin.ModelAdmin):
    form = HistoryForm
    change_list_template = "admin/history/change_list.html"
    object_history_template = "admin/history/object_history.html"
    history_page_size = 200
    publish_permission = ""  # "app_label.codename", for records with a publication state

    # -- the change form ------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fields = ["change_reason"] + (["loaded_version"] if is_versioned(self.model) else [])
            fieldsets.append(("Saving", {"fields": fields}))
        return fieldsets

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            yield guarded(formset), inline

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        obj._admin_formsets = formsets  # read by HistoryForm.clean() and content_changed()
        return formsets, inline_instances

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Someone saved between this form's check and its compare-and-swap: the
            # transaction, and the revision begun in it, were rolled back. Validating
            # again reports the conflict on the form, with the user's input kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related() saves the record with its parts, in one call."""

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        reason = form.cleaned_data.get("change_reason", "").strip() if hasattr(form, "cleaned_data") else ""
        versioned = change and is_versioned(self.model) and isinstance(form, HistoryForm)
        self.write(
            request,
            form,
            instance=obj,
            reason=reason or self.default_reason(request, obj, form, change),
            expected_version=form.cleaned_data["loaded_version"] if versioned else None,
            new_version=form.content_changed() if versioned else None,
            save_parts=partial(super().save_related, request, form, formsets, change),
        )

    def write(self, request, form, **kwargs):
        """The service that saves a record edited on this page, with its parts."""
        return save_record(user=request.user, **kwargs)

    def default_reason(self, request, obj, form, change) -> str | None:
        return None

    def delete_model(self, request, obj):
        delete_record(instance=obj, user=request.user, reason="deleted in the admin")

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:  # one by one: each deletion is a revision that can be recovered
                delete_record(instance=obj, user=request.user, reason="deleted in the admin")

    # -- history pages --------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/<int:history_id>/restore/",
                wrap(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path("deleted/", wrap(self.deleted_view), name="{}_{}_deleted".format(*info)),
            path("deleted/<int:history_id>/recover/", wrap(self.recover_view), name="{}_{}_recover".format(*info)),
            *super().get_urls(),
        ]

    def _pk(self, object_id):
        try:
            return self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None

    def _url(self, view, *args):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    def history_view(self, request, object_id, extra_context=None):
        pk = self._pk(object_id)
        obj = self.model._base_manager.filter(pk=pk).first()
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revisions = group_revisions(self.model, rows_of(self.model, pk))
        if obj is None and not revisions:
            raise Http404
        labels = Labels(self.model, [r.changes for r in revisions])
        may_restore = obj is not None and self.has_change_permission(request, obj)
        latest = revisions[-1] if revisions else None
        entries = [
            {
                "revision": r,
                "changes": [(c.field, labels.show(c.name, c.old), labels.show(c.name, c.new)) for c in r.changes],
                "restore_url": self._url("restore", obj.pk, r.history_id)
                if may_restore and r is not latest and r.type != DELETED
                else "",
            }
            for r in reversed(revisions[-self.history_page_size :])
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj if obj is not None else f'deleted {self.opts.verbose_name} #{pk}'}",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "object_id": pk,
            "entries": entries,
            "versioned": is_versioned(self.model),
            "parts": self._part_changes(pk),
            "truncated": len(revisions) > self.history_page_size,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return render(request, self.object_history_template, context)

    def _part_changes(self, pk) -> list[dict]:
        """Changes to the record's parts (relay chain, figures, citations ...), newest
        first: one query per part relation."""
        entries = []
        for _name, part_model, fk in part_relations(self.model):
            rows = (
                history_model(part_model)
                .objects.filter(**{fk: pk})
                .select_related("history_user")
                .order_by("revision_id", "history_id")
            )
            previous = {}
            fields = [f for f in part_model.content_fields() if f.attname != fk]
            # What names a part in the list: the record it points to (the actor of a link
            # in the chain, the source of a citation), else its first text.
            named_by = next((f for f in fields if f.is_relation), None) or next(
                (f for f in fields if isinstance(f, models.CharField | models.TextField) and not f.choices), fields[0]
            )
            collected = []
            for row in rows[: self.history_page_size * 5]:
                before = previous.get(row.id)
                if row.history_type == DELETED:
                    changes = []
                elif before is None:
                    changes = [
                        (f, None, getattr(row, f.attname)) for f in fields if getattr(row, f.attname) not in (None, "")
                    ]
                else:
                    changes = [
                        (f, getattr(before, f.attname), getattr(row, f.attname))
                        for f in fields
                        if getattr(before, f.attname) != getattr(row, f.attname)
                    ]
                previous[row.id] = row
                collected.append((row, changes))
            labels = Labels(
                part_model,
                [[Change("", f.attname, old, new) for f, old, new in changes] for _row, changes in collected]
                + [[Change("", named_by.attname, None, getattr(row, named_by.attname)) for row, _ in collected]],
            )
            for row, changes in collected:
                if row.history_type != DELETED and not changes and row.history_type != "+":
                    continue
                entries.append(
                    {
                        "row": row,
                        "part": part_model._meta.verbose_name,
                        "label": labels.show(named_by.attname, getattr(row, named_by.attname)),
                        "changes": [
                            (str(f.verbose_name), labels.show(f.attname, old), labels.show(f.attname, new))
                            for f, old, new in changes
                        ],
                    }
                )
        entries.sort(key=lambda e: (e["row"].revision_id, e["row"].history_id), reverse=True)
        return entries[: self.history_page_size]

    def restore_view(self, request, object_id, history_id):
        pk = self._pk(object_id)
        obj = self.model._base_manager.filter(pk=pk).first()
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revisions = group_revisions(self.model, rows_of(self.model, pk))
        revision = next((r for r in revisions if history_id in {row.history_id for row in r.rows}), None)
        if revision is None or revision.type == DELETED:
            raise Http404
        versioned = is_versioned(self.model)
        initial = {"reason": f"Restored {'version' if versioned else 'revision'} {revision.number}"}
        if versioned:
            initial["expected_version"] = obj.version
        form = RestoreForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                result = restore_revision(
                    model=self.model,
                    pk=pk,
                    history_id=history_id,
                    expected_version=form.cleaned_data["expected_version"] if versioned else None,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except EditConflict:
                form.add_error(None, "Someone saved this record after you opened this page: review the changes again.")
            except (ValidationError, NotRestorable) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    form.add_error(None, message)
            else:
                self._report_restored(request, result, f"Restored {self.opts.verbose_name} “{result.instance}”.")
                return HttpResponseRedirect(self._url("change", pk))
        changes = diff_values(self.model, current_values(obj), revision_values(self.model, revision))
        labels = Labels(self.model, [changes])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Restore {'version' if versioned else 'revision'} {revision.number} of “{obj}”",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "revision": revision,
            "word": "version" if versioned else "revision",
            "form": form,
            "changes": [(c.field, labels.show(c.name, c.old), labels.show(c.name, c.new)) for c in changes],
            "parts": [rel[1]._meta.verbose_name_plural for rel in part_relations(self.model)],
            "keeps_state": any(f.name == "state" for f in self.model._meta.concrete_fields),
            "history_url": self._url("history", pk),
        }
        request.current_app = self.admin_site.name
        return render(request, "admin/history/restore.html", context)

    def deleted_view(self, request):
        if not (self.has_add_permission(request) or self.has_view_permission(request)):
            raise PermissionDenied
        rows = deleted_records(self.model)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Deleted {self.opts.verbose_name_plural}",
            "subtitle": None,
            "opts": self.opts,
            "entries": [
                {
                    "row": row,
                    "label": str(row.instance),
                    "history_url": self._url("history", row.id),
                    "recover_url": self._url("recover", row.history_id),
                }
                for row in rows
            ],
            "may_recover": self.has_add_permission(request),
            "form": RestoreForm(initial={"reason": "Recovered after deletion"}),
        }
        request.current_app = self.admin_site.name
        return render(request, "admin/history/deleted.html", context)

    def recover_view(self, request, history_id):
        if request.method != "POST":
            return HttpResponseRedirect(self._url("deleted"))
        if not self.has_add_permission(request):
            raise PermissionDenied
        row = history_model(self.model).objects.filter(history_id=history_id, history_type=DELETED).first()
        if row is None:
            raise Http404
        form = RestoreForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give a reason for bringing this record back.")
            return HttpResponseRedirect(self._url("deleted"))
        may_publish = bool(self.publish_permission) and request.user.has_perm(self.publish_permission)
        try:
            result = recover_deleted(
                model=self.model,
                pk=row.id,
                user=request.user,
                reason=form.cleaned_data["reason"],
                may_publish=may_publish,
            )
        except (ValidationError, NotRestorable) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
            return HttpResponseRedirect(self._url("deleted"))
        self._report_restored(request, result, f"Recovered {self.opts.verbose_name} “{result.instance}”.")
        return HttpResponseRedirect(self._url("change", row.id))

    def _report_restored(self, request, result, text):
        messages.success(request, text)
        for skipped in result.skipped:
            messages.warning(request, f"Not brought back: {skipped}")
