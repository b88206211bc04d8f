-- How fast can PostgreSQL alone build the export's records? (docs/performance.md)
-- About 60% of each NDJSON record (no denials, links, dates' other keys), built with
-- json_build_object and correlated json_agg, written by the server itself, no Python:
--   psql -h 127.0.0.1 -U postgres claims_bench_100000 -f benchmarks/export_in_postgres.sql
-- 100,000 claims (92,086 published): 10.9 s, 8,400 claims/s, 271 MB, one core.
\timing on
COPY (
SELECT json_build_object(
 'slug', c.slug, 'proposition', c.proposition, 'made', nullif(c.made_edtf,''), 'made_earliest', c.made_earliest, 'made_latest', c.made_latest,
 'status', c.status,
 'relay_chain', (SELECT coalesce(json_agg(json_build_object('position', a.position, 'actor', json_build_object('slug', ac.slug, 'name', ac.name), 'role', a.role, 'channel', a.channel, 'date', nullif(a.date_edtf,''), 'date_earliest', a.date_earliest, 'document', d.slug) ORDER BY a.position), '[]') FROM claims_attribution a JOIN claims_actor ac ON ac.id=a.actor_id LEFT JOIN sources_source d ON d.id=a.document_id WHERE a.claim_id=c.id),
 'quantities', (SELECT coalesce(json_agg(json_build_object('as_worded', q.as_worded, 'low', trim_scale(q.low), 'high', trim_scale(q.high), 'unit', q.unit, 'item', q.item) ORDER BY q.position), '[]') FROM claims_quantity q WHERE q.claim_id=c.id),
 'citations', (SELECT coalesce(json_agg(json_build_object('source', json_build_object('slug', s.slug, 'title', s.title, 'outlet', o.name, 'issuer', s.issuer, 'kind', s.kind, 'url', s.url, 'archive_url', s.archive_url, 'published', nullif(s.published_edtf,''), 'published_earliest', s.published_earliest, 'retrieved_at', s.retrieved_at), 'quote', cc.quote, 'quote_prefix', cc.quote_prefix, 'quote_suffix', cc.quote_suffix, 'locator', cc.locator, 'stance', cc.stance, 'note', cc.note, 'quote_found', cc.quote_found,
     'figures', (SELECT coalesce(json_agg(json_build_object('quantity', cf.quantity_id, 'as_worded', cf.as_worded)), '[]') FROM claims_citationfigure cf WHERE cf.citation_id=cc.id)) ORDER BY cc.position, cc.id), '[]')
   FROM claims_claimcitation cc JOIN sources_source s ON s.id=cc.source_id LEFT JOIN sources_outlet o ON o.id=s.outlet_id WHERE cc.claim_id=c.id),
 'topics', (SELECT coalesce(json_agg(json_build_object('slug', t.slug, 'name', t.name) ORDER BY t.name), '[]') FROM claims_claim_topics ct JOIN claims_topic t ON t.id=ct.topic_id WHERE ct.claim_id=c.id),
 'subjects', (SELECT coalesce(json_agg(json_build_object('slug', t.slug, 'name', t.name) ORDER BY t.name), '[]') FROM claims_claim_subjects ct JOIN claims_actor t ON t.id=ct.actor_id WHERE ct.claim_id=c.id),
 'notes', c.notes, 'version', c.version, 'recorded', c.created_at, 'revised', c.updated_at
)::text FROM claims_claim c WHERE c.state='published' ORDER BY c.id
) TO '/tmp/pg.ndjson';
