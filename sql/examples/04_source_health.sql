-- Answers: which sources are failing or have gone quiet (no new article in 7 days), worst first.
SELECT job,
       name,
       kind,
       url,
       last_status,
       last_error,
       last_fetched_at,
       articles,
       articles_7d,
       last_article_at
FROM source_stats
WHERE coalesce(last_status, 'never fetched') <> 'ok' OR articles_7d = 0
ORDER BY (last_status IS DISTINCT FROM 'ok') DESC, articles_7d, last_article_at NULLS FIRST;
