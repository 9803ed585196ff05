-- Answers: what is new in the last 24 hours, per topic, newest first (first_seen_at = when the
-- crawler stored it, whatever date the article claims). For "new since my last export", use
-- `mediamon export --since-last-export NAME`, which remembers where each consumer stopped.
SELECT at.job,
       at.topic,
       a.first_seen_at,
       a.host,
       a.title,
       at.terms      AS matched_terms,
       at.matched_in,
       a.canonical_url
FROM article_topics at
JOIN articles a ON a.id = at.article_id
WHERE a.first_seen_at > now() - interval '24 hours'
ORDER BY at.job, at.topic, a.first_seen_at DESC;
