"""Atom feeds of new and changed claims and denials: the whole site, a topic, an actor.

An entry's id is the record's permalink and its <updated> the time it was last revised,
so a feed reader shows a changed claim as the same entry, updated. Only published
records appear."""

from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from claims.models import Actor, Claim, Denial, Topic

FEED_SIZE = 50


class ClaimsFeed(Feed):
    """The whole site."""

    feed_type = Atom1Feed
    title = "Claims knowledge base: new and changed claims and denials"
    subtitle = "Claims as reported, with the claimant's own hedges, and the denials that answer them."

    def link(self, obj=None):
        return reverse("web:claim_list")

    def feed_url(self, obj=None):
        return reverse("web:feed")

    def claims(self, obj):
        return Claim.objects.published()

    def denials(self, obj):
        return Denial.objects.published()

    def items(self, obj=None):
        claims = list(self.claims(obj).for_list().order_by("-updated_at", "-pk")[:FEED_SIZE])
        denials = list(self.denials(obj).for_list().order_by("-updated_at", "-pk")[:FEED_SIZE])
        return sorted(claims + denials, key=lambda r: r.updated_at, reverse=True)[:FEED_SIZE]

    def item_title(self, item):
        kind = "Claim" if isinstance(item, Claim) else "Denial"
        text = item.proposition if isinstance(item, Claim) else item.statement
        return f"{kind}: {' '.join(text.split())}"

    def item_description(self, item):
        # Atom <summary type="html">: every text escaped, it comes from curated sources.
        if isinstance(item, Claim):
            lines = [
                item.proposition,
                f"Status: {item.get_status_display()}; claimant's certainty: "
                f"{item.get_certainty_display()}" + (f" (“{item.hedge}”)" if item.hedge else ""),
            ]
            chain = " → ".join(a.actor.name for a in item.attributions.all())
            if chain:
                lines.append(f"Relay chain: {chain}")
            lines += [f"Figure: {q.describe()}" for q in item.quantities.all()]
            if item.public_denials:
                lines.append(f"Denied ({len(item.public_denials)})")
        else:
            lines = [
                item.statement,
                f"{item.get_kinds_display().capitalize()} by {', '.join(a.name for a in item.deniers.all())}",
                f"Answers {len(item.public_claims)} claim{'s' if len(item.public_claims) != 1 else ''}",
            ]
        return "".join(f"<p>{escape(line)}</p>" for line in lines)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        if isinstance(item, Claim):
            names = [a.actor.name for a in item.attributions.all() if a.role == "originator"]
        else:
            names = [a.name for a in item.deniers.all()]
        return ", ".join(names) or None

    def item_categories(self, item):
        return [t.name for t in item.topics.all()] if isinstance(item, Claim) else []


class TopicFeed(ClaimsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj):
        return f"Claims knowledge base: {obj.name}"

    def subtitle(self, obj):
        return f"New and changed claims and denials in the story “{obj.name}”."

    def link(self, obj):
        return obj.get_absolute_url()

    def feed_url(self, obj):
        return reverse("web:topic_feed", args=[obj.slug])

    def claims(self, obj):
        return Claim.objects.published().filter(topics=obj)

    def denials(self, obj):
        return Denial.objects.published().filter(
            Exists(Denial.claims.through.objects.filter(denial=OuterRef("pk"), claim__topics=obj))
        )


class ActorFeed(ClaimsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Actor, slug=slug)

    def title(self, obj):
        return f"Claims knowledge base: {obj.name}"

    def subtitle(self, obj):
        return f"New and changed claims made, relayed or endorsed by {obj.name} or about it, and its denials."

    def link(self, obj):
        return obj.get_absolute_url()

    def feed_url(self, obj):
        return reverse("web:actor_feed", args=[obj.slug])

    def claims(self, obj):
        return Claim.objects.published().involving(obj)

    def denials(self, obj):
        return Denial.objects.published().filter(deniers=obj)
