"""The search documents of claims and denials (models.ClaimSearchDocument,
models.DenialSearchDocument): one row per record holding every word a search looks at,
so a search reads one GIN-indexed row per record instead of four tables.

A document is rebuilt in SQL, set-wise, for the records a write touches: a claim or
denial saved, a citation's quote, a link of the relay chain, a subject or a denier
added or removed, an actor renamed, an alias changed. Signals (connected in
claims/apps.py) catch every save, from the admin, the importer, the services or a
history restore; loaddata's raw saves are skipped, and whatever loads rows without
saves (a backup restore, the corpus generator's COPY) calls
rebuild_all_search_documents() afterwards. `manage.py rebuild_search_documents` does the
same by hand.

Weights: A is the record's own text (proposition, statement), B its citations' quotes
and their translations, C the names and aliases of the actors involved (in the relay
chain or a subject; the deniers of a denial).
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    ClaimCitation,
    ClaimSearchDocument,
    Denial,
    DenialCitation,
    DenialSearchDocument,
    PublicationState,
)

CONFIG = "english"


@dataclass(frozen=True)
class DocumentSpec:
    document: type
    owner: type
    own_text: str  # the record's own text column (weight A)
    citation: type  # citations whose quote and translation are weight B
    involved: str  # SQL: distinct (owner_id, actor_id) of the target's actors, whose names are weight C
    involving_actor: str  # SQL: the owner ids involving the actor, each %s its id


CLAIMS = DocumentSpec(
    document=ClaimSearchDocument,
    owner=Claim,
    own_text="proposition",
    citation=ClaimCitation,
    involved=(
        "SELECT claim_id AS owner_id, actor_id FROM claims_attribution WHERE claim_id IN (SELECT id FROM target)"
        " UNION SELECT claim_id, actor_id FROM claims_claim_subjects WHERE claim_id IN (SELECT id FROM target)"
    ),
    involving_actor=(
        "SELECT claim_id FROM claims_attribution WHERE actor_id = %s"
        " UNION SELECT claim_id FROM claims_claim_subjects WHERE actor_id = %s"
    ),
)
DENIALS = DocumentSpec(
    document=DenialSearchDocument,
    owner=Denial,
    own_text="statement",
    citation=DenialCitation,
    involved=(
        "SELECT DISTINCT denial_id AS owner_id, actor_id FROM claims_denial_deniers"
        " WHERE denial_id IN (SELECT id FROM target)"
    ),
    involving_actor="SELECT denial_id FROM claims_denial_deniers WHERE actor_id = %s",
)

# WITH ... INSERT ... ON CONFLICT DO UPDATE: the same statement on PostgreSQL and
# SQLite (3.24+); only the aggregate's name and which of text and vector is filled differ.
REBUILD = """
WITH target AS (SELECT id FROM {owner} WHERE {condition}),
quotes AS (
    SELECT {owner_fk} AS owner_id, {agg}(quote || ' ' || translation, ' ') AS words
    FROM {citation} WHERE {owner_fk} IN (SELECT id FROM target) GROUP BY {owner_fk}
),
involved AS ({involved}),
names AS (
    SELECT involved.owner_id, {agg}(known.name, ' ') AS words
    FROM involved JOIN (
        SELECT id AS actor_id, name FROM {actor} UNION ALL SELECT actor_id, name FROM {alias}
    ) AS known ON known.actor_id = involved.actor_id
    GROUP BY involved.owner_id
)
INSERT INTO {document} ({owner_fk}, text, vector, published)
SELECT record.id, {text}, {vector}, record.state = %s
FROM {owner} AS record
LEFT JOIN quotes ON quotes.owner_id = record.id
LEFT JOIN names ON names.owner_id = record.id
WHERE record.id IN (SELECT id FROM target)
ON CONFLICT ({owner_fk}) DO UPDATE SET text = excluded.text, vector = excluded.vector, published = excluded.published
"""

ALL_WORDS = "record.{own_text} || ' ' || COALESCE(quotes.words, '') || ' ' || COALESCE(names.words, '')"
WEIGHTED_VECTOR = (
    "setweight(to_tsvector('{config}', record.{own_text}), 'A')"
    " || setweight(to_tsvector('{config}', COALESCE(quotes.words, '')), 'B')"
    " || setweight(to_tsvector('{config}', COALESCE(names.words, '')), 'C')"
)


def _rebuild(spec: DocumentSpec, condition: str, params: list, using: str) -> None:
    connection = connections[using]
    postgresql = connection.vendor == "postgresql"
    owner_fk = spec.document._meta.pk.column
    sql = REBUILD.format(
        owner=spec.owner._meta.db_table,
        condition=condition,
        owner_fk=owner_fk,
        agg="string_agg" if postgresql else "group_concat",
        citation=spec.citation._meta.db_table,
        involved=spec.involved,
        actor=Actor._meta.db_table,
        alias=ActorAlias._meta.db_table,
        document=spec.document._meta.db_table,
        own_text=spec.own_text,
        # PostgreSQL searches the vector only; SQLite the plain words only.
        text="''" if postgresql else ALL_WORDS.format(own_text=spec.own_text),
        vector=WEIGHTED_VECTOR.format(config=CONFIG, own_text=spec.own_text) if postgresql else "NULL",
    )
    with connection.cursor() as cursor:
        # The condition's parameters come first: it is in the first line of the statement.
        cursor.execute(sql, [*params, PublicationState.PUBLISHED])  # noqa: S608 - our own table names; values are parameters


def _rebuild_ids(spec: DocumentSpec, ids, using: str) -> None:
    ids = sorted({pk for pk in ids if pk is not None})
    if ids:
        _rebuild(spec, "id IN ({})".format(", ".join(["%s"] * len(ids))), ids, using)


def rebuild_claim_documents(claim_ids, using: str = DEFAULT_DB_ALIAS) -> None:
    _rebuild_ids(CLAIMS, claim_ids, using)


def rebuild_denial_documents(denial_ids, using: str = DEFAULT_DB_ALIAS) -> None:
    _rebuild_ids(DENIALS, denial_ids, using)


def rebuild_actor_documents(actor_id: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """The documents naming the actor: its claims and denials (after a rename or an alias change)."""
    for spec in (CLAIMS, DENIALS):
        _rebuild(spec, f"id IN ({spec.involving_actor})", [actor_id] * spec.involving_actor.count("%s"), using)


def rebuild_all_search_documents(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Every document from scratch (after a bulk load); returns how many of each."""
    counts = {}
    for spec in (CLAIMS, DENIALS):
        spec.document._base_manager.using(using).all()._raw_delete(using)
        _rebuild(spec, "1 = 1", [], using)
        counts[spec.document._meta.label] = spec.document._base_manager.using(using).count()
    return counts


# --- Keeping them current ----------------------------------------------------------------


def _using(sender, instance, using=None):
    return using or router.db_for_write(sender, instance=instance)


def _record_saved(spec):
    def handler(sender, instance, raw=False, using=None, **kwargs):
        if not raw:
            _rebuild_ids(spec, [instance.pk], _using(sender, instance, using))

    return handler


def _part_changed(spec, owner_field):
    def handler(sender, instance, raw=False, using=None, **kwargs):
        if not raw:
            _rebuild_ids(spec, [getattr(instance, f"{owner_field}_id")], _using(sender, instance, using))

    return handler


def _actors_linked(spec, owner_field):
    """m2m_changed of a record's actors (a claim's subjects, a denial's deniers), from
    either side: claim.subjects.add(actor) or actor.claims_about.clear()."""

    def handler(sender, instance, action, reverse, pk_set, using=None, **kwargs):
        if not reverse:
            if action in {"post_add", "post_remove", "post_clear"}:
                _rebuild_ids(spec, [instance.pk], using)
        elif action == "pre_clear":  # which records lose the actor, asked before they do
            links = sender._base_manager.using(using).filter(actor_id=instance.pk)
            instance._search_records_cleared = list(links.values_list(f"{owner_field}_id", flat=True))
        elif action == "post_clear":
            _rebuild_ids(spec, getattr(instance, "_search_records_cleared", []), using)
        elif action in {"post_add", "post_remove"}:
            _rebuild_ids(spec, pk_set or [], using)

    return handler


def _actor_name_checked(sender, instance, raw=False, using=None, **kwargs):
    """Before an actor is saved: whether its name changes (the documents name it)."""
    if raw or instance.pk is None:
        instance._search_name_changed = False
        return
    stored = sender._base_manager.using(_using(sender, instance, using)).filter(pk=instance.pk)
    instance._search_name_changed = not stored.filter(name=instance.name).exists()


def _actor_saved(sender, instance, raw=False, using=None, **kwargs):
    if not raw and getattr(instance, "_search_name_changed", False):
        rebuild_actor_documents(instance.pk, _using(sender, instance, using))


def _alias_changed(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        rebuild_actor_documents(instance.actor_id, _using(sender, instance, using))


def connect() -> None:
    """Called once from ClaimsConfig.ready()."""
    uid = "search_documents"
    post_save.connect(_record_saved(CLAIMS), sender=Claim, weak=False, dispatch_uid=f"{uid}.claim")
    post_save.connect(_record_saved(DENIALS), sender=Denial, weak=False, dispatch_uid=f"{uid}.denial")
    for model, spec, owner_field in (
        (ClaimCitation, CLAIMS, "claim"),
        (Attribution, CLAIMS, "claim"),
        (DenialCitation, DENIALS, "denial"),
    ):
        handler = _part_changed(spec, owner_field)
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=f"{uid}.{model.__name__}.save")
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=f"{uid}.{model.__name__}.delete")
    m2m_changed.connect(
        _actors_linked(CLAIMS, "claim"), sender=Claim.subjects.through, weak=False, dispatch_uid=f"{uid}.subjects"
    )
    m2m_changed.connect(
        _actors_linked(DENIALS, "denial"), sender=Denial.deniers.through, weak=False, dispatch_uid=f"{uid}.deniers"
    )
    pre_save.connect(_actor_name_checked, sender=Actor, dispatch_uid=f"{uid}.actor.check")
    post_save.connect(_actor_saved, sender=Actor, dispatch_uid=f"{uid}.actor")
    post_save.connect(_alias_changed, sender=ActorAlias, dispatch_uid=f"{uid}.alias.save")
    post_delete.connect(_alias_changed, sender=ActorAlias, dispatch_uid=f"{uid}.alias.delete")


# --- Matching (the public search in web/search.py ranks these; the admin filters by them)


def uses_full_text(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, config=CONFIG, search_type="websearch")


def matching_documents(document_model, text: str):
    """The search documents (ClaimSearchDocument or DenialSearchDocument) matching the
    text: websearch syntax on the GIN-indexed vector on PostgreSQL, a substring of the
    document's text elsewhere."""
    if uses_full_text():
        return document_model.objects.filter(vector=search_query(text))
    return document_model.objects.filter(text__icontains=text)
