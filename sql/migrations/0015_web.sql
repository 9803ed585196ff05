-- 0015: what the web view (`mediamon web`, read-only as mediamon_reader) needs.

-- 1. mm_scope (0007) reads crawl_seen, which mediamon_reader may not read. Inlined into a search,
-- crawl_seen is in the query's range table even when its branch is constant-false, so every search
-- with a topic or job filter failed for the reader ("permission denied for table crawl_seen"): in the
-- web view and for an analyst's `mediamon search --topic` alike. The crawl_seen branch now calls a
-- SECURITY DEFINER function that returns only the article ids a job saw; crawl_seen itself stays
-- private, and mm_scope stays one inlinable SELECT (a constant-false branch is never executed).
CREATE FUNCTION mm_job_seen(job text) RETURNS TABLE (article_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 1000 AS $$
    SELECT s.article_id FROM public.crawl_seen s WHERE s.job = $1 AND s.article_id IS NOT NULL
$$;
REVOKE ALL ON FUNCTION mm_job_seen(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mm_job_seen(text) TO mediamon_reader;

CREATE OR REPLACE FUNCTION mm_scope(topic text, job text) RETURNS TABLE (article_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT t.article_id FROM article_topics t
    WHERE mm_scope.topic IS NOT NULL AND t.topic = mm_scope.topic
      AND (mm_scope.job IS NULL OR t.job = mm_scope.job)
    UNION
    SELECT t.article_id FROM article_topics t
    WHERE mm_scope.topic IS NULL AND t.job = mm_scope.job
    UNION
    SELECT j.article_id FROM mm_job_seen(mm_scope.job) j
    WHERE mm_scope.topic IS NULL
$$;

-- 2. Search candidates always through the full-text GIN index. With a common word (a quarter of
-- all articles) and ORDER BY ... LIMIT, the planner preferred a sequential scan that evaluates
-- `search @@` on every row, de-TOASTing all 100,000 vectors (1.2 s, bench/web.py); the bitmap
-- index scan answers the same in ~20 ms without reading a vector. As story_candidate_ids (0002)
-- does, SET pins the plan inside an opaque function; ROWS is a typical match count.
CREATE FUNCTION mm_search_matches(query tsquery)
RETURNS TABLE (id bigint, published timestamptz, language text, host text)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000 SET enable_seqscan = off AS $$
    SELECT a.id, coalesce(a.published_at, a.first_seen_at), a.language, a.host
    FROM articles a WHERE a.search @@ query
$$;
GRANT EXECUTE ON FUNCTION mm_search_matches(tsquery) TO mediamon_reader;

-- 3. Indexes for the web view's pages (plans in the README's web section, measured with bench/web.py).
-- A topic's 30-day window (chart, outlets, languages) and the home page's recent counts read articles
-- by "published" = coalesce(published_at, first_seen_at): without this it was a sequential scan of
-- every article. The INCLUDE columns make it an index-only scan (an expression index alone cannot be).
CREATE INDEX articles_published_window_idx ON articles ((coalesce(published_at, first_seen_at)))
    INCLUDE (published_at, first_seen_at, id, story_id, host, language);
-- Everything about one topic regardless of job (the primary key and (job, topic) start elsewhere):
-- its jobs, article count and last tag, index-only.
CREATE INDEX article_topics_topic_article_idx ON article_topics (topic, article_id) INCLUDE (job, tagged_at);
