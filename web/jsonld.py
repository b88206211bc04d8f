"""schema.org metadata for claim pages: a ClaimReview of the Claim, so search engines
and fact-check aggregators read who claimed what, where it appeared, and our status."""

import json

from claims.models import AttributionRole, ClaimStatus
from sources.date_fields import precision_of

# Characters that could end the <script> element or start markup, as JSON escapes.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

# Our status as a ClaimReview rating (1 = false ... 5 = true); undecided statuses get none.
RATINGS = {
    ClaimStatus.REFUTED: 1,
    ClaimStatus.DISPUTED: 2,
    ClaimStatus.CORROBORATED: 4,
    ClaimStatus.CONFIRMED: 5,
}


def claim_jsonld(claim, request) -> str:
    """The JSON-LD text, escaped for a <script type="application/ld+json"> element."""
    url = request.build_absolute_uri(claim.get_absolute_url())
    originators = [a.actor for a in claim.attributions.all() if a.role == AttributionRole.ORIGINATOR]
    appearances = [
        {
            "@type": "CreativeWork",
            "headline": c.source.title,
            "url": c.source.url or None,
            "datePublished": _schema_date(c.source.published),
            # An unpublished document (a closed-door briefing) has its issuing body, if any.
            "publisher": {"@type": "Organization", "name": c.source.publisher} if c.source.publisher else None,
        }
        for c in claim.citations.all()
    ]
    rating = {"@type": "Rating", "alternateName": claim.get_status_display()}
    if claim.status in RATINGS:
        rating.update(ratingValue=RATINGS[claim.status], bestRating=5, worstRating=1)
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.proposition,
        "datePublished": claim.created_at.date().isoformat(),
        "dateModified": claim.updated_at.date().isoformat(),
        "reviewRating": rating,
        "itemReviewed": {
            "@type": "Claim",
            "text": claim.proposition,
            "datePublished": _schema_date(claim.made),
            "author": [
                {"@type": "Organization" if a.kind != "person" else "Person", "name": a.name} for a in originators
            ],
            "appearance": appearances,
        },
    }
    return json.dumps(_drop_nulls(data), ensure_ascii=False).translate(_SCRIPT_SAFE)


def _schema_date(date) -> str | None:
    """schema.org dates are ISO 8601 dates or date-times: a plain date (2023-11-01, 2023-08,
    2023) or a date with its time is given as it is. Anything hedged or ranged (2022-06~,
    2023-10-19/2023-10-25) is left out rather than given as a plain date it is not: the
    property is optional, and the page says the date in words."""
    if date is None or not precision_of(date.edtf.partition("T")[0]):
        return None
    return date.edtf


def _drop_nulls(value):
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v not in (None, [], "")}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
