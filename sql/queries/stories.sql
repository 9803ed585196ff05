-- Story assignment and revisions (crawler/stories.py). Parameters are named; nothing is formatted in.

-- name: upsert_signature
INSERT INTO article_signatures (article_id, lookup_keys, shingles, n_tokens, short, title_key)
VALUES (%(article_id)s, %(lookup_keys)s, %(shingles)s, %(n_tokens)s, %(short)s, %(title_key)s)
ON CONFLICT (article_id) DO UPDATE
SET lookup_keys = EXCLUDED.lookup_keys, shingles = EXCLUDED.shingles, n_tokens = EXCLUDED.n_tokens,
    short = EXCLUDED.short, title_key = EXCLUDED.title_key;

-- name: common_keys
SELECT key FROM common_lookup_keys WHERE key = ANY(%(keys)s::int8[]);

-- name: add_common_keys
INSERT INTO common_lookup_keys (key, stories)
SELECT * FROM unnest(%(keys)s::int8[], %(stories)s::int4[])
ON CONFLICT (key) DO NOTHING;

-- name: find_candidates
-- GIN index lookup on the shared keys (story_candidate_ids, 0002); only articles already in a story.
SELECT s.article_id, a.story_id, a.content_hash, s.shingles, s.n_tokens, s.short, s.title_key,
       article_first_time(a.published_at, a.date_source, a.first_seen_at) AS first_time,
       ARRAY(SELECT unnest(s.lookup_keys) INTERSECT SELECT unnest(%(keys)s::int8[])) AS shared
FROM story_candidate_ids(%(keys)s::int8[], %(limit)s) c(article_id)
JOIN article_signatures s ON s.article_id = c.article_id
JOIN articles a ON a.id = c.article_id
WHERE c.article_id <> %(article_id)s
  AND a.story_id IS NOT NULL;

-- name: article_time
SELECT article_first_time(published_at, date_source, first_seen_at), story_id FROM articles WHERE id = %(article_id)s;

-- name: lock_stories
-- Lock in id order so that two writers merging the same stories cannot deadlock.
SELECT id, first_published_at FROM stories WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE;

-- name: create_story
INSERT INTO stories (title, first_article_id, first_published_at, first_host, member_count)
VALUES (%(title)s, %(article_id)s, %(first_time)s, %(host)s, 0)
RETURNING id;

-- name: set_story
UPDATE articles SET story_id = %(story_id)s WHERE id = %(article_id)s;

-- name: move_members
UPDATE articles SET story_id = %(keep)s WHERE story_id = ANY(%(others)s);

-- name: delete_stories
DELETE FROM stories WHERE id = ANY(%(ids)s);

-- name: refresh_story
-- Member count and first publisher from the members: earliest reliable time, then first seen, then id.
UPDATE stories s
SET member_count = m.n,
    first_article_id = f.id,
    first_published_at = f.first_time,
    first_host = f.host,
    title = f.title,
    updated_at = now()
FROM (SELECT count(*)::integer AS n FROM articles WHERE story_id = %(story_id)s) m,
     (SELECT id, host, title, article_first_time(published_at, date_source, first_seen_at) AS first_time
      FROM articles WHERE story_id = %(story_id)s
      ORDER BY article_first_time(published_at, date_source, first_seen_at), first_seen_at, id
      LIMIT 1) f
WHERE s.id = %(story_id)s
RETURNING s.member_count;

-- name: article_for_revision
SELECT title, text, content_hash, fetched_at FROM articles WHERE id = %(article_id)s FOR UPDATE;

-- name: insert_revision
INSERT INTO article_revisions (article_id, title, text, content_hash, fetched_at, diff_chars)
VALUES (%(article_id)s, %(title)s, %(text)s, %(content_hash)s, %(fetched_at)s, %(diff_chars)s);

-- name: update_article_text
UPDATE articles
SET title = %(title)s, text = %(text)s, content_hash = %(content_hash)s,
    modified_at = COALESCE(%(modified_at)s, modified_at), fetched_at = now()
WHERE id = %(article_id)s;
