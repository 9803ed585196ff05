-- 0004: "the articles of a job, with a topic" as one function, shared by search and export
-- (sql/queries/analyst.sql). A job's articles are those one of its runs stored or saw, or that
-- carry one of its tags; NULL topic / job means no restriction. LANGUAGE sql and STABLE, so the
-- planner inlines it into the calling query.
CREATE FUNCTION mm_in_scope(article_id bigint, topic text, job text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (topic IS NULL OR EXISTS (
                SELECT 1 FROM article_topics t
                WHERE t.article_id = mm_in_scope.article_id AND t.topic = mm_in_scope.topic
                  AND (mm_in_scope.job IS NULL OR t.job = mm_in_scope.job)))
       AND (job IS NULL
            OR EXISTS (SELECT 1 FROM article_topics t
                       WHERE t.article_id = mm_in_scope.article_id AND t.job = mm_in_scope.job)
            OR EXISTS (SELECT 1 FROM crawl_seen s
                       WHERE s.article_id = mm_in_scope.article_id AND s.job = mm_in_scope.job))
$$;

GRANT EXECUTE ON FUNCTION mm_in_scope(bigint, text, text) TO mediamon_reader;
