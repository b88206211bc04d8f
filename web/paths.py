"""Reporting paths: how the documents behind a claim or a denial reached the public.

The derivation graph of the sources a record cites, drawn as a tree, never as a
chronological line (a later outlet does not "repeat" an earlier, unrelated one):

    [NIS briefing to lawmakers]           unpublished document issued by the NIS
      AP story, 1 November 2023           cites the briefing
        Unidentified outlet's write-up    summarises the AP story
        Ascend Finance Compass copy       republishes (verbatim copy) of the AP story

The nodes are the cited sources, every source above them (sources.services.ancestry_edges)
and the documents the relay chain's actors spoke through (Attribution.document). An edge
is a derivation: the child derives from the parent. Roots are the nodes with no parent
among the nodes: first those above a document the record cites or its chain spoke
through, then those that only feed other paths; each group, like siblings, earliest
published first, then first recorded.

A node with several parents is drawn under one of them -- the record's own documents
first (a parent it cites or its chain spoke through), then the earliest published, then
the first recorded -- and names the others ("also from ..."), each of which names it
back ("also taken up by ..."). Every node is drawn once, so circular reporting cannot
loop: a cycle nobody roots is drawn from its earliest member.

reporting_tree() reads the graph in two queries whatever its size: the edges (one
recursive query), then the derivations with the sources at both ends; a third reads the
chain's documents that no derivation brings.
"""

import datetime as dt
from dataclasses import dataclass, field

from sources.models import Derivation, DerivationKind, Source
from sources.services import ancestry_edges
from web.templatetags.reported_dates import date_text

# Derivations that copy the words: the copy is no confirmation of its original.
COPY_KINDS = {
    DerivationKind.REPUBLISHES: "A verbatim copy",
    DerivationKind.TRANSLATES: "A translation",
}


def earliest_first(source) -> tuple:
    """A sort key: by the first, then the last day the publication date allows, undated
    and open-started sources last, as lists sort in the database (NULLs last); then in
    the order they were recorded."""
    earliest, latest = source.published_earliest, source.published_latest
    return (earliest is None, earliest or dt.date.min, latest is None, latest or dt.date.min, source.pk)


def publisher_text(source) -> str:
    """Who put it out: the outlet, or what an unpublished document is and who issued it."""
    if source.outlet_id:
        return source.outlet.name
    return f"unpublished document issued by {source.issuer}" if source.issuer else "unpublished document"


def source_label(source) -> str:
    """A short name for a source in a sentence: "the Associated Press wire story of
    1 November 2023", "the National Intelligence Service briefing of 1 November 2023"."""
    who = source.publisher or "unpublished"
    date = source.published
    return f"the {who} {source.get_kind_display()}" + (f" of {date}" if date else "")


def relation_text(derivation) -> str:
    """What a document does to the one it derives from, as a verb phrase to put before
    that one's name: "republishes (verbatim copy) of", "summarises", "cites"."""
    label = derivation.get_kind_display()
    return f"{label} of" if derivation.kind == DerivationKind.REPUBLISHES else label


@dataclass(eq=False)
class PathNode:
    source: Source
    citations: list = field(default_factory=list)  # the record's citations of it, in their order
    spoken_by: list = field(default_factory=list)  # relay chain links that spoke through it
    parents: list = field(default_factory=list)  # its derivations, the one it is drawn under first
    parent: "PathNode | None" = None
    children: list = field(default_factory=list)
    also_into: list = field(default_factory=list)  # derivations from it, drawn under another parent
    depth: int = 0
    closes: range = range(0)  # lists the template closes after this node (see ReportingTree.items)

    @property
    def publisher(self) -> str:
        return publisher_text(self.source)

    @property
    def label(self) -> str:
        return source_label(self.source)

    @property
    def date(self):
        return self.source.published

    @property
    def is_cited(self) -> bool:
        return bool(self.citations)

    @property
    def derivation(self) -> Derivation | None:
        """Its derivation from the parent it is drawn under."""
        return self.parents[0] if self.parent else None

    @property
    def also_from(self) -> list[Derivation]:
        """Its derivations from the parents it is not drawn under."""
        return self.parents[1:] if self.parent else self.parents

    @property
    def relation(self) -> str:
        return relation_text(self.derivation) if self.derivation else ""

    @property
    def is_copy(self) -> bool:
        return self.derivation is not None and self.derivation.kind in COPY_KINDS

    @property
    def copy_note(self) -> str:
        """For a copy: "A verbatim copy of the Associated Press wire story of 1 November
        2023: not independent confirmation."; else empty."""
        if not self.is_copy:
            return ""
        return f"{COPY_KINDS[self.derivation.kind]} of {self.parent.label}: not independent confirmation."

    @property
    def has_children(self) -> bool:
        return bool(self.children)


@dataclass
class ReportingTree:
    roots: list[PathNode]
    nodes: dict[int, PathNode]  # by source id

    def __bool__(self):
        return bool(self.nodes)

    def __len__(self):
        return len(self.nodes)

    def walk(self) -> list[PathNode]:
        """Every node once, depth first, each after its parent, siblings earliest first."""
        return [node for root in self.roots for node in self.walk_from(root)]

    @staticmethod
    def walk_from(root: PathNode) -> list[PathNode]:
        """The node and every node drawn below it, depth first."""
        out, stack = [], [root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    @property
    def items(self) -> list[PathNode]:
        """The nodes in reading order, each knowing its depth and, after it, how many
        nested lists end (`closes`): the template draws nested <ul> without recursion."""
        nodes = self.walk()
        for node, following in zip(nodes, [*nodes[1:], None], strict=True):
            node.closes = range(0 if node.children else node.depth - (following.depth if following else 0))
        return nodes

    def annotate(self, citations):
        """Give each citation what its source derives from (`copy_of`, the parents in
        drawing order) and whether it is a copy of another (`is_copy`)."""
        for citation in citations:
            node = self.nodes.get(citation.source_id)
            citation.copy_of = list(node.parents) if node else []
            citation.is_copy = any(d.kind in COPY_KINDS for d in citation.copy_of)

    @property
    def cited_count(self) -> int:
        return sum(1 for node in self.nodes.values() if node.citations)

    def as_text(self) -> str:
        """The tree in plain text, two spaces a level: for tests, logs and reviews."""
        lines = []
        for node in self.walk():
            parts = [f"{node.source.title} — {node.publisher}, {date_text(node.date)}"]
            if node.derivation:
                parts.append(f"{node.relation} {node.parent.label}")
            if node.copy_note:
                parts.append(node.copy_note)
            if node.also_from:
                parts.append("also from " + "; ".join(f"{d.derived_from.title} ({d.kind})" for d in node.also_from))
            if node.also_into:
                parts.append("also taken up by " + "; ".join(f"{d.source.title} ({d.kind})" for d in node.also_into))
            for link in node.spoken_by:
                parts.append(f"spoken through by {link.voice} ({link.get_role_display()})")
            if node.citations:
                parts.append(
                    "cited here: " + ", ".join(f"{c.locator or 'no locator'} ({c.stance})" for c in node.citations)
                )
            else:
                parts.append("not cited here")
            lines.append("  " * node.depth + "- " + " · ".join(parts))
        return "\n".join(lines)


def reporting_tree(citations, chain=()) -> ReportingTree:
    """The reporting tree of a record's citations (ClaimCitation or DenialCitation rows,
    in their order) and, for a claim, its relay chain links (Attribution rows).

    At most three queries whatever the size: the derivation edges above the cited sources
    and the chain's documents; the derivations with the sources at both ends (and their
    outlets); the chain's documents that no derivation brings, if any. The cited sources
    are the citations' own (load them with their outlets). Each chain link with a
    document gets that document from the sources read here (link.document), so a page
    can name it without a query of its own."""
    citations, chain = list(citations), list(chain)
    wanted = {c.source_id for c in citations} | {link.document_id for link in chain if link.document_id}
    if not wanted:
        return ReportingTree(roots=[], nodes={})
    edges = ancestry_edges(wanted)
    sources = {c.source_id: c.source for c in citations}  # loaded with the citations
    derivations = []
    if edges:
        derivations = list(
            Derivation.objects.filter(source_id__in={child for child, _ in edges})
            .select_related("source__outlet", "derived_from__outlet")
            .defer("source__text", "derived_from__text")
            .order_by("pk")
        )
        for derivation in derivations:
            sources.setdefault(derivation.source_id, derivation.source)
            sources.setdefault(derivation.derived_from_id, derivation.derived_from)
    missing = wanted - set(sources)  # chain documents nothing cites and nothing derives from
    if missing:
        sources.update((s.pk, s) for s in Source.objects.filter(pk__in=missing).select_related("outlet").defer("text"))
    nodes = {pk: PathNode(source=source) for pk, source in sources.items()}
    for citation in citations:
        nodes[citation.source_id].citations.append(citation)
    for link in chain:
        if link.document_id in sources:
            link.document = sources[link.document_id]
            nodes[link.document_id].spoken_by.append(link)
    for derivation in derivations:
        derivation.source = sources[derivation.source_id]  # one object per source, whichever row brought it
        derivation.derived_from = sources[derivation.derived_from_id]
        nodes[derivation.source_id].parents.append(derivation)

    def own_first(derivation) -> tuple:
        parent = nodes[derivation.derived_from_id]
        return (not (parent.citations or parent.spoken_by), *earliest_first(parent.source))

    for node in nodes.values():
        node.parents.sort(key=own_first)
    ordered = sorted(nodes.values(), key=lambda node: earliest_first(node.source))
    under: dict[int, list[PathNode]] = {}  # the nodes drawn under each, earliest first
    for node in ordered:
        if node.parents:
            under.setdefault(node.parents[0].derived_from_id, []).append(node)
    roots: list[PathNode] = []
    drawn: set[int] = set()

    def draw(root: PathNode):
        """Draw `root` and, iteratively, every node below it, each once."""
        roots.append(root)
        drawn.add(root.source.pk)
        stack = [root]
        while stack:
            node = stack.pop()
            for child in under.get(node.source.pk, ()):
                if child.source.pk not in drawn:
                    drawn.add(child.source.pk)
                    child.parent, child.depth = node, node.depth + 1
                    node.children.append(child)
                    stack.append(child)

    for node in ordered:
        if not node.parents:
            draw(node)
    for node in ordered:  # circular reporting nobody roots: draw each cycle from its earliest member
        if node.source.pk not in drawn:
            draw(min(_cycle_above(node, nodes, drawn), key=lambda member: earliest_first(member.source)))
    for node in nodes.values():
        for derivation in node.also_from:
            nodes[derivation.derived_from_id].also_into.append(derivation)
    tree = ReportingTree(roots=roots, nodes=nodes)
    # The paths of the record's own documents first, then those that only feed them.
    own = {id(root) for root in roots if any(n.citations or n.spoken_by for n in tree.walk_from(root))}
    roots.sort(key=lambda root: id(root) not in own)  # stable: each group stays earliest first
    return tree


def _cycle_above(node: PathNode, nodes: dict, drawn: set) -> list[PathNode]:
    """The cycle reached by following first parents up from an undrawn node. (Every
    undrawn node has a parent, so the walk ends in a cycle; a drawn node on the way
    would have drawn this one.)"""
    seen: list[PathNode] = []
    while node not in seen:
        seen.append(node)
        node = nodes[node.parents[0].derived_from_id]
    return seen[seen.index(node) :]
