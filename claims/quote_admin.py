"""The quote page of the claims admin: /admin/claims/claim/quote/<source_pk>/.

Step 1 shows the source's stored text; the analyst selects a passage in it (or pastes
one into "Quote": static/js/quote.js submits the selection, the plain form does the
same without JS). Step 2 (?quote=...) finds the passage in the text, fills its prefix
and suffix, and offers three saves prefilled from claims.suggestions: a new claim with
its relay chain and figures, a citation for an existing claim, or a new denial
answering existing claims. Each save is one transaction and one history revision
(claims/quoting.py); errors come back on the form and nothing is written.
"""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Upper
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from claims import quoting
from claims.admin_fields import FigureField
from claims.models import (
    Actor,
    ActorAlias,
    AttributionRole,
    CitationStance,
    Claim,
    ClaimCertainty,
    ClaimCitation,
    ClaimSearchDocument,
    DenialCitation,
    DenialKind,
    QuantityComparator,
    Topic,
)
from claims.search_documents import matching_documents
from claims.suggestions import suggest
from sources.date_fields import validate_edtf
from sources.models import Source

MAX_QUOTE = 5000
MAX_ROWS = 30
LISTED_CITATIONS = 200
ACTIONS = {"claim": "claims.add_claim", "cite": "claims.add_claimcitation", "denial": "claims.add_denial"}


def _words(text: str) -> list[str]:
    """Slugs or names typed one per line or separated by commas."""
    return [part.strip() for part in re.split(r"[,\n]", text or "") if part.strip()]


def _by_slug_or_name(model, texts: list[str], *, aliases=None) -> dict[str, list]:
    """For each text, the records whose slug is it, or whose name (or alias) is it in
    any case: one query (two with aliases) whatever the number of texts."""
    found: dict[str, list] = {text: [] for text in texts}
    if not texts:
        return found
    upper = {text.upper(): text for text in texts}
    rows = model.objects.annotate(upper_name=Upper("name")).filter(Q(slug__in=texts) | Q(upper_name__in=list(upper)))
    for record in rows:
        for text in {record.slug} & set(texts) or {upper.get(record.upper_name)} - {None}:
            found[text].append(record)
    if aliases is not None:
        missing = [text.upper() for text, records in found.items() if not records]
        if missing:
            alias_rows = aliases.objects.annotate(upper_name=Upper("name")).filter(upper_name__in=missing)
            for alias in alias_rows.select_related("actor"):
                records = found[upper[alias.upper_name]]
                if alias.actor not in records:
                    records.append(alias.actor)
    return found


def _one_each(model, texts, *, aliases=None, what: str) -> list:
    """The record each text names, in order, or a ValidationError naming those that name
    none or several."""
    found = _by_slug_or_name(model, texts, aliases=aliases)
    problems = []
    for text, records in found.items():
        if not records:
            problems.append(f"No {what} has the slug or name “{text}”.")
        elif len(records) > 1:
            problems.append(f"“{text}” names several: {', '.join(r.slug for r in records)}; give the slug.")
    if problems:
        raise forms.ValidationError(problems)
    seen, records = set(), []
    for text in texts:
        record = found[text][0]
        if record.pk not in seen:
            seen.add(record.pk)
            records.append(record)
    return records


def _date_fields(label: str):
    return (
        forms.CharField(label=label, max_length=60, required=False, validators=[validate_edtf]),
        forms.CharField(label="As worded", max_length=200, required=False),
        forms.BooleanField(label="Inferred from relative wording", required=False),
    )


class PassageForm(forms.Form):
    quote = forms.CharField(
        label="Quote",
        max_length=MAX_QUOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Select a passage in the text above, or paste it here.",
    )

    def __init__(self, *args, text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text
        self.passage = None

    def clean_quote(self):
        quote = self.cleaned_data["quote"]
        if not self.text:
            raise forms.ValidationError("This source has no stored text to quote from.")
        self.passage = quoting.find_passage(self.text, quote)
        if self.passage is None:
            raise forms.ValidationError(
                "This passage is not in the source's stored text, even with spacing, quote marks and case set "
                "aside: select it again in the text, or check the words.",
                code="not_found",
            )
        return self.passage.quote


class CitationForm(forms.Form):
    """The passage as every save cites it."""

    quote = forms.CharField(max_length=MAX_QUOTE, widget=forms.HiddenInput)
    quote_prefix = forms.CharField(label="Prefix", max_length=200, required=False, strip=False)
    quote_suffix = forms.CharField(label="Suffix", max_length=200, required=False, strip=False)
    locator = forms.CharField(label="Locator", max_length=100, required=False, help_text="'para. 4'")
    stance = forms.ChoiceField(label="Stance", choices=CitationStance.choices, initial=CitationStance.REPORTS)
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the source misreports: say what it gets wrong.",
    )

    def __init__(self, *args, text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text

    def clean_quote(self):
        passage = quoting.find_passage(self.text, self.cleaned_data["quote"])
        if passage is None:
            raise forms.ValidationError("This passage is not in the source's stored text.", code="not_found")
        return passage.quote


class ClaimForm(forms.Form):
    proposition = forms.CharField(
        label="Proposition",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One sentence in neutral words, with the claimant's hedge kept.",
    )
    made_edtf, made_as_worded, made_inferred = _date_fields("Made on")
    certainty = forms.ChoiceField(label="Certainty", choices=ClaimCertainty.choices, initial=ClaimCertainty.UNCLEAR)
    hedge = forms.CharField(label="Hedge", max_length=100, required=False)
    topics = forms.CharField(
        label="Topics", required=False, help_text="Slugs or names, separated by commas.", max_length=2000
    )

    def clean_topics(self):
        return _one_each(Topic, _words(self.cleaned_data["topics"]), what="topic")


class ChainRowForm(forms.Form):
    include = forms.BooleanField(label="Include", required=False)
    actor = forms.CharField(
        label="Actor",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-suggest": "actors", "list": "actor-suggestions"}),
    )
    role = forms.ChoiceField(label="Role", choices=AttributionRole.choices, initial=AttributionRole.RELAY)
    speaker = forms.CharField(label="Speaker", max_length=200, required=False)
    channel = forms.CharField(label="Channel", max_length=200, required=False)

    def wanted(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("include") and data.get("actor", "").strip())


class FigureRowForm(forms.Form):
    include = forms.BooleanField(label="Include", required=False)
    as_worded = forms.CharField(label="As worded", max_length=300, required=False)
    comparator = forms.ChoiceField(label="Comparator", choices=QuantityComparator.choices)
    low = FigureField(label="Low", max_digits=20, decimal_places=2, required=False, min_value=0)  # "13,000"
    high = FigureField(label="High", max_digits=20, decimal_places=2, required=False, min_value=0)
    unit = forms.CharField(label="Unit", max_length=100, required=False)
    item = forms.CharField(label="Item", max_length=300, required=False)

    def wanted(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("include") and any(data.get(f) not in (None, "") for f in ("as_worded", "low", "item")))


class RowFormSet(forms.BaseFormSet):
    """Rows labelled for screen readers ("Actor, row 2"), since a table shows the labels once."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label}, row {(index or 0) + 1}"


class ChainFormSet(RowFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [form for form in self.forms if form.wanted()]
        texts = [form.cleaned_data["actor"].strip() for form in rows]
        found = _by_slug_or_name(Actor, texts, aliases=ActorAlias)
        for form, text in zip(rows, texts, strict=True):
            records = found[text]
            if not records:
                form.add_error("actor", f"No actor has the slug, name or alias “{text}”.")
            elif len(records) > 1:
                form.add_error("actor", f"“{text}” names several actors: {', '.join(r.slug for r in records)}.")
            else:
                form.cleaned_data["actor_record"] = records[0]


def _formset(form, base, prefix):
    return forms.formset_factory(
        form, formset=base, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
    ), prefix


ChainRows, CHAIN = _formset(ChainRowForm, ChainFormSet, "chain")
FigureRows, FIGURES = _formset(FigureRowForm, RowFormSet, "figures")


class CiteForm(forms.Form):
    claim = forms.CharField(
        label="Claim",
        max_length=300,
        help_text="Its slug, or words of its proposition that find it alone.",
    )

    def clean_claim(self):
        term = self.cleaned_data["claim"].strip()
        claim = Claim.objects.filter(slug=term).first()
        if claim is not None:
            return claim
        found = matching_documents(ClaimSearchDocument, term).values("claim")[:6]  # none, one or several
        matches = list(Claim.objects.filter(pk__in=found).order_by("slug").only("pk", "slug", "proposition"))
        if not matches:
            raise forms.ValidationError(f"No claim has the slug “{term}” or matches these words.", code="unknown")
        if len(matches) > 1:
            shown = ", ".join(claim.slug for claim in matches[:5])
            more = " and more" if len(matches) > 5 else ""
            raise forms.ValidationError(f"These words find several claims ({shown}{more}): give the slug.")
        return matches[0]


class DenialForm(forms.Form):
    statement = forms.CharField(
        label="Statement",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One sentence: what was denied, and by whom, as reported.",
    )
    deniers = forms.CharField(
        label="Deniers", max_length=2000, help_text="Actors' slugs or names, separated by commas."
    )
    claims = forms.CharField(
        label="Answers claims",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Claim slugs, one per line or separated by commas.",
    )
    kind = forms.ChoiceField(label="Kind", choices=DenialKind.choices)
    made_edtf, made_as_worded, made_inferred = _date_fields("Made on")
    channel = forms.CharField(label="Channel", max_length=200, required=False)

    def clean_deniers(self):
        deniers = _one_each(Actor, _words(self.cleaned_data["deniers"]), aliases=ActorAlias, what="actor")
        if not deniers:
            raise forms.ValidationError("Name at least one denier.")
        return deniers

    def clean_claims(self):
        slugs = _words(self.cleaned_data["claims"])
        claims = {claim.slug: claim for claim in Claim.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in claims]
        if unknown:
            raise forms.ValidationError(f"No claim has the slug {', '.join(f'“{s}”' for s in unknown)}.")
        return list({slug: claims[slug] for slug in slugs}.values())


# Prefilling from the suggestions -------------------------------------------------------


def _suggestions(source: Source, passage: str):
    """What claims.suggestions finds in the passage; relative dates ("last Friday") are
    read against the source's date when it gives a day."""
    day = source.published_earliest if source.published_earliest == source.published_latest else None
    return suggest(passage, source_date=day)


def _is_named(date) -> bool:
    """A date the passage names itself, as opposed to one worked out from relative words."""
    return date.how.endswith("named in the passage")


def _made(source: Source, dates, earlier: dict | None) -> tuple[dict, str]:
    """The "Made on" fields, and where they come from: the first single day the passage
    names ("on Wednesday"; "since October" and "this year" date what is claimed, not the
    saying of it), else the date of the claim last quoted from this source (claims from
    one briefing share it), else the source's date."""
    day = next((d for d in dates if re.fullmatch(r"\d{4}-\d\d-\d\d", d.edtf)), None)
    if day is not None:
        fields = {"made_edtf": day.edtf, "made_as_worded": day.as_worded, "made_inferred": not _is_named(day)}
        return fields, f"“{day.as_worded}” in the passage"
    if earlier and earlier.get("made_edtf"):
        return earlier, "the claim last quoted from this source"
    return {"made_edtf": source.published_edtf}, "the source's date"


def _initial(source: Source, suggestions, earlier: dict | None = None) -> dict:
    """The step-2 forms' initial values. The relay chain is the passage's speakers,
    ticked; other actors it names follow, unticked, for the analyst to tick."""
    speaking = {speaker.actor_id for speaker in suggestions.speakers}
    chain = [{"include": True, "actor": s.slug, "role": s.role} for s in suggestions.speakers]
    chain += [
        {"include": False, "actor": a.slug, "role": AttributionRole.RELAY}
        for a in suggestions.actors
        if a.actor_id not in speaking
    ]
    first_role = AttributionRole.RELAY if speaking else AttributionRole.ORIGINATOR
    chain += [{"include": True, "role": first_role}, {"include": True, "role": AttributionRole.RELAY}]
    figure_rows = [
        {"include": True, **figure.fields()} for figure in sorted(suggestions.figures, key=lambda f: f.start)
    ] + [{"include": True, "comparator": QuantityComparator.EXACT}]
    claim, made_how = _made(source, suggestions.dates, earlier)
    if suggestions.hedge is not None:
        claim = {**claim, "certainty": suggestions.hedge.certainty, "hedge": suggestions.hedge.word}
    denial, _ = _made(source, suggestions.dates, None)
    deniers = [s.slug for s in suggestions.speakers] or [a.slug for a in suggestions.actors]
    denial["deniers"] = ", ".join(deniers)
    if suggestions.denial_kind:
        denial["kind"] = suggestions.denial_kind
    return {"claim": claim, "chain": chain, "figures": figure_rows, "denial": denial, "made_how": made_how}


# The page --------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def _admin_link(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


class QuoteView:
    """The page, bound to the ClaimAdmin that registers it (ClaimAdmin.get_urls)."""

    template = "admin/claims/claim/quote.html"

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def __call__(self, request, source_pk):
        if not request.user.has_perm("claims.add_claim"):
            raise PermissionDenied
        source = Source.objects.select_related("outlet").filter(pk=source_pk).first()
        if source is None:
            raise Http404("No source with this id.")
        if request.method == "POST":
            return self.save(request, source)
        passage_form = PassageForm(request.GET if "quote" in request.GET else None, text=source.text)
        sections = None
        if passage_form.is_bound and passage_form.is_valid():
            passage = passage_form.passage
            sections = self.sections(
                source, passage.quote, {"quote_prefix": passage.prefix, "quote_suffix": passage.suffix}
            )
            sections["exact"] = passage.exact
        return self.render(request, source, passage_form, sections)

    def sections(self, source, quote: str, citation_initial: dict, *, bound: str = "", data=None) -> dict:
        """The forms of step 2: the one `bound` to the POST, the others prefilled."""
        found = _suggestions(source, quote)
        earlier = (
            ClaimCitation.objects.filter(source=source)
            .order_by("-pk")
            .values("claim__made_edtf", "claim__made_as_worded", "claim__made_inferred")
            .first()
        )
        if earlier:
            earlier = {key.removeprefix("claim__"): value for key, value in earlier.items()}
        initial = _initial(source, found, earlier)

        def make(name, factory, **kwargs):
            if name == bound or (bound == "claim" and name in (CHAIN, FIGURES)):
                return factory(data, prefix=name, **kwargs)
            return factory(prefix=name, initial=initial.get(name), **kwargs)

        return {
            "quote": quote,
            "suggestions": found,
            "made_how": initial["made_how"],
            "citation": CitationForm(
                data if bound else None, initial={"quote": quote, **citation_initial}, text=source.text
            ),
            "claim": make("claim", ClaimForm),
            "chain": make(CHAIN, ChainRows),
            "figures": make(FIGURES, FigureRows),
            "cite": make("cite", CiteForm),
            "denial": make("denial", DenialForm),
        }

    def save(self, request, source):
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return HttpResponseRedirect(request.path)
        if not request.user.has_perm(ACTIONS[action]):
            raise PermissionDenied
        quote = request.POST.get("quote", "")[:MAX_QUOTE]
        sections = self.sections(source, quote, {}, bound=action, data=request.POST)
        citation_form = sections["citation"]
        forms_to_check = [citation_form, sections[action]]
        if action == "claim":
            forms_to_check += [sections["chain"], sections["figures"]]
        valid = [form.is_valid() for form in forms_to_check]  # each, so every error shows
        if all(valid):
            citation = quoting.CitationInput(source=source, **citation_form.cleaned_data)
            try:
                record, word = self.write(request, action, sections, citation)
            except quoting.QuoteRejected as exc:
                self.show_errors(sections, action, exc.errors)
            else:
                messages.success(
                    request,
                    format_html('Saved {} “<a href="{}">{}</a>”.', word, _admin_link(record), record),
                )
                return HttpResponseRedirect(request.path)
        passage_form = PassageForm(initial={"quote": quote}, text=source.text)
        sections["exact"] = True
        return self.render(request, source, passage_form, sections, active=action)

    def write(self, request, action, sections, citation):
        if action == "cite":
            cited = quoting.quote_existing_claim(
                claim=sections["cite"].cleaned_data["claim"], citation=citation, user=request.user
            )
            return cited.claim, "the citation of the claim"
        if action == "denial":
            data = sections["denial"].cleaned_data
            denial = quoting.NewDenial(**data)
            return quoting.quote_new_denial(denial=denial, citation=citation, user=request.user), "the draft denial"
        data = dict(sections["claim"].cleaned_data)
        chain_forms = [form for form in sections["chain"].forms if form.wanted()]
        figure_forms = [form for form in sections["figures"].forms if form.wanted()]
        sections["rows"] = {"chain": chain_forms, "figures": figure_forms}  # per request: the view is shared
        claim = quoting.NewClaim(
            **data,
            chain=[
                quoting.ChainLink(
                    actor=form.cleaned_data["actor_record"],
                    role=form.cleaned_data["role"],
                    speaker=form.cleaned_data["speaker"],
                    channel=form.cleaned_data["channel"],
                )
                for form in chain_forms
            ],
            figures=[
                quoting.Figure(
                    **{k: form.cleaned_data[k] for k in ("as_worded", "comparator", "low", "high", "unit", "item")}
                )
                for form in figure_forms
            ],
        )
        return quoting.quote_new_claim(claim=claim, citation=citation, user=request.user), "the draft claim"

    def show_errors(self, sections, action, errors):
        """Put what full_clean() refused on the form fields it concerns."""
        rows = sections.get("rows", {})
        for key, fields in errors.items():
            section, _, row = key.partition("-")
            if section in ("chain", "figures") and row:
                form = rows[section][int(row)]
            elif section == "citation":
                form = sections["citation"]
            else:
                form = sections[action]
            for name, field_messages in fields.items():
                target = name if name in form.fields else None
                for message in field_messages:
                    form.add_error(target, message if target or name == "__all__" else f"{name}: {message}")

    def render(self, request, source, passage_form, sections, active: str = ""):
        site = self.model_admin.admin_site
        claim_citations = list(
            ClaimCitation.objects.filter(source=source)
            .select_related("claim")
            .only("pk", "quote", "claim__id", "claim__slug", "claim__proposition", "claim__state")
            .order_by("claim__slug", "position", "pk")[:LISTED_CITATIONS]
        )
        denial_citations = list(
            DenialCitation.objects.filter(source=source)
            .select_related("denial")
            .only("pk", "quote", "denial__id", "denial__slug", "denial__statement", "denial__state")
            .order_by("denial__slug", "position", "pk")[:LISTED_CITATIONS]
        )
        context = {
            **site.each_context(request),
            "title": f"Quote “{source.title}”",
            "subtitle": None,
            "opts": Claim._meta,
            "source": source,
            "source_admin_url": reverse("admin:sources_source_change", args=[source.pk]),
            "paragraphs": _paragraphs(source.text),
            "passage_form": passage_form,
            "step2": sections,
            "active": active,
            "claim_citations": [(c, _admin_link(c.claim)) for c in claim_citations],
            "denial_citations": [
                (c, reverse("admin:claims_denial_change", args=[c.denial_id])) for c in denial_citations
            ],
            "listed_max": LISTED_CITATIONS,
            "may": {action: request.user.has_perm(perm) for action, perm in ACTIONS.items()},
            "autocomplete_url": reverse("web:autocomplete", args=["KIND"]),
        }
        request.current_app = site.name
        return render(request, self.template, context)
