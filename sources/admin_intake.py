"""The intake page of the Source admin: a URL, a file or pasted text becomes a proposed
source (sources/intake/), reviewed, edited and saved by an analyst.

/admin/sources/source/intake/       one form: Address, File or Text, exactly one;
/admin/sources/source/intake/<id>/  "Fetching ..." (refreshing itself) while the address
                                    is read in the background, the failure if it failed,
                                    else the proposal: the source's fields, the outlet,
                                    the derivations with their passages, the flags; "Save
                                    source" writes them through intake's accept().

Both need the sources.add_source permission. The review page makes the same queries
whatever the proposal holds.
"""

import datetime as dt
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from sources.intake import ExtractionError, accept, propose
from sources.intake.fetch import FetchError, check_url
from sources.intake.proposal import ALREADY_STORED, DATE_LATER_THAN_ORIGINAL
from sources.intake.tasks import fetch_intake
from sources.models import IntakeRequest, Outlet, Source

FILE_FORMATS = {".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}
PROMINENT_FLAGS = {DATE_LATER_THAN_ORIGINAL, ALREADY_STORED}


def _size(count: int) -> str:
    return f"{count / 2**20:g} MiB" if count >= 2**20 else f"{count:,} bytes"


class IntakeForm(forms.Form):
    url = forms.CharField(
        label="Address",
        required=False,
        max_length=2000,
        help_text="An http:// or https:// page or PDF; it is fetched in the background.",
    )
    file = forms.FileField(label="File", required=False, help_text="An HTML page or a PDF saved from the web.")
    text = forms.CharField(
        label="Text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text="Text copied from a document: its first line is taken as the title.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = min(settings.INTAKE_FETCH_MAX_BYTES, settings.REQUEST_MAX_BYTES)
        self.fields["file"].help_text += f" At most {_size(limit)}."

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if url:
            try:
                check_url(url)
            except FetchError as exc:
                raise ValidationError(str(exc)) from None
        return url

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload:
            return upload
        if upload.size > settings.INTAKE_FETCH_MAX_BYTES:
            limit = _size(settings.INTAKE_FETCH_MAX_BYTES)
            raise ValidationError(f"The file is larger than {limit}, the most intake reads.")
        head = upload.read(5)
        upload.seek(0)
        format = "pdf" if head == b"%PDF-" else FILE_FORMATS.get(PurePath(upload.name or "").suffix.lower())
        if format is None:
            raise ValidationError("Give an HTML page (.html, .htm) or a PDF file.")
        upload.intake_format = format
        return upload

    def clean(self):
        data = super().clean()
        given = [name for name in ("url", "file", "text") if data.get(name)]
        if not self.errors and len(given) != 1:
            raise ValidationError(
                "Give exactly one of an address, a file or a text." if given else "Give an address, a file or a text."
            )
        return data


class SourceFieldsForm(forms.ModelForm):
    """The proposed source's fields, with the Source model's own validation (as the admin
    form has): a URL stored already, a slug taken, a malformed EDTF date are field errors."""

    class Meta:
        model = Source
        fields = ["title", "slug", "url", "kind", "authors", "language", "published_edtf"]
        widgets = {"authors": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, outlet=None, **kwargs):
        """`outlet`: the proposed one, matched or new, which the form does not edit but
        the model's rules ask about (a published kind needs an outlet)."""
        super().__init__(*args, **kwargs)
        if outlet is not None:
            self.instance.outlet_id = outlet.id or 0  # a new outlet: not stored yet, but given

    def _update_errors(self, errors):
        # The outlet is not on this form: its rule is the kind's to answer.
        if hasattr(errors, "error_dict") and "outlet" in errors.error_dict:
            errors.error_dict.setdefault("kind", []).extend(errors.error_dict.pop("outlet"))
        super()._update_errors(errors)


class NewOutletForm(forms.ModelForm):
    class Meta:
        model = Outlet
        fields = ["name", "slug", "domain", "kind"]


class IntakeAdminViews:
    """Mixed into SourceAdmin: the URLs and views of the intake page."""

    intake_form_template = "admin/sources/source/intake_form.html"
    intake_review_template = "admin/sources/source/intake_review.html"

    def intake_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view
        return [
            path("intake/", view(self.intake_view), name="sources_source_intake"),
            path("intake/<int:pk>/", view(self.intake_review_view), name="sources_source_intake_review"),
        ]

    def _intake_context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "intake_url": reverse("admin:sources_source_intake"),
            **extra,
        }

    def _require_add(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied

    def intake_view(self, request):
        self._require_add(request)
        posted = request.method == "POST"
        form = IntakeForm(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            data = form.cleaned_data
            entry = IntakeRequest(created_by=request.user)
            if data["url"]:
                entry.input, entry.url = IntakeRequest.Input.URL, data["url"]
            elif data["file"]:
                upload = data["file"]
                entry.input, entry.file_name = IntakeRequest.Input.FILE, (upload.name or "")[:255]
                entry.content, entry.format = upload.read(), upload.intake_format
                entry.status = IntakeRequest.Status.DONE
            else:
                entry.input, entry.format = IntakeRequest.Input.TEXT, "text"
                entry.content = data["text"].encode()
                entry.status = IntakeRequest.Status.DONE
            entry.save()
            # The working material of past weeks goes (one DELETE; saved sources stay).
            kept_since = timezone.now() - dt.timedelta(days=settings.INTAKE_KEEP_DAYS)
            IntakeRequest.objects.filter(created_at__lt=kept_since).delete()
            if entry.input == IntakeRequest.Input.URL:
                fetch_intake.enqueue(entry.pk)
            return HttpResponseRedirect(reverse("admin:sources_source_intake_review", args=[entry.pk]))
        context = self._intake_context(request, "Add a source from a page, file or text", form=form)
        return TemplateResponse(request, self.intake_form_template, context)

    def intake_review_view(self, request, pk: int):
        self._require_add(request)
        entry = get_object_or_404(IntakeRequest.objects.select_related("source"), pk=pk)
        context = self._intake_context(request, "Review the proposed source", entry=entry)
        if entry.status == IntakeRequest.Status.FETCHING and _abandoned(entry):
            entry.status = IntakeRequest.Status.FAILED
            entry.error = "The fetch did not finish: the task worker may have stopped. Give the address again."
            entry.save(update_fields=["status", "error", "updated_at"])
        if entry.status in (IntakeRequest.Status.QUEUED, IntakeRequest.Status.FETCHING):
            context["title"] = "Fetching the page"
            return TemplateResponse(request, self.intake_review_template, context)
        if entry.status == IntakeRequest.Status.FAILED:
            context.update(title="The page could not be read", failure=entry.error)
            return TemplateResponse(request, self.intake_review_template, context)
        if entry.source_id:
            context.update(title="Saved", saved=entry.source)
            return TemplateResponse(request, self.intake_review_template, context)
        try:
            proposal = propose(bytes(entry.content), format=entry.format, url=entry.final_url or entry.url)
        except ExtractionError as exc:
            context.update(title="The document could not be read", failure=str(exc))
            return TemplateResponse(request, self.intake_review_template, context)

        initial = {k: proposal.source[k] for k in ("title", "slug", "url", "kind", "authors", "language")}
        initial["published_edtf"] = proposal.source["published"]
        data = request.POST if request.method == "POST" else None
        source_form = SourceFieldsForm(data, initial=initial, prefix="source", outlet=proposal.outlet)
        outlet_form = None
        if proposal.outlet and proposal.outlet.is_new:
            o = proposal.outlet
            outlet_initial = {"name": o.name, "slug": o.slug, "domain": o.domain, "kind": o.kind}
            outlet_form = NewOutletForm(data, initial=outlet_initial, prefix="outlet")
        if data is None:
            chosen = {d.derived_from_id for d in proposal.derivations}
        else:
            chosen = {int(v) for v in data.getlist("derivations") if v.isdecimal() and len(v) <= 18}  # "²" is a digit

        if data is not None:
            valid = source_form.is_valid()
            valid = (outlet_form.is_valid() if outlet_form else True) and valid
            if valid:
                saved = self._accept(request, entry, proposal, source_form, outlet_form, chosen)
                if saved is not None:
                    return HttpResponseRedirect(_next_url(saved))

        context.update(
            proposal=proposal,
            source_form=source_form,
            outlet_form=outlet_form,
            derivations=[(d, d.derived_from_id in chosen) for d in proposal.derivations],
            prominent_flags=[f for f in proposal.flags if f.code in PROMINENT_FLAGS],
            other_flags=[f for f in proposal.flags if f.code not in PROMINENT_FLAGS],
            words=len(proposal.source["text"].split()),
            errors=bool(data is not None),
        )
        return TemplateResponse(request, self.intake_review_template, context)

    def _accept(self, request, entry, proposal, source_form, outlet_form, chosen):
        """Write the edited proposal; the new Source, or None with the errors on the forms."""
        cleaned = source_form.cleaned_data
        for field in ("title", "slug", "url", "kind", "authors", "language"):
            proposal.source[field] = cleaned[field]
        proposal.source["published"] = cleaned["published_edtf"]
        if outlet_form is not None:
            for field in ("name", "slug", "domain", "kind"):
                setattr(proposal.outlet, field, outlet_form.cleaned_data[field])
        proposal.derivations = [d for d in proposal.derivations if d.derived_from_id in chosen]
        try:
            _outlet, source, _derivations = accept(proposal, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                source_form.add_error(None, f"Nothing was saved: {message}")
            return None
        except DatabaseError:
            source_form.add_error(None, "Nothing was saved: the database refused it (saved meanwhile by someone?).")
            return None
        entry.source = source
        entry.save(update_fields=["source", "updated_at"])
        change = reverse("admin:sources_source_change", args=[source.pk])
        messages.success(request, format_html('Saved the source <a href="{}">{}</a>.', change, source.title))
        return source


def _abandoned(entry) -> bool:
    """A fetch under way for longer than a fetch may take (and a minute): its worker is gone,
    and the page would refresh itself for ever."""
    limit = dt.timedelta(seconds=settings.INTAKE_FETCH_TIMEOUT + 60)
    return timezone.now() - entry.updated_at > limit


def _next_url(source) -> str:
    try:
        return reverse(settings.INTAKE_NEXT_URL_NAME, args=[source.pk])
    except NoReverseMatch:
        return reverse("admin:sources_source_change", args=[source.pk])
