-- Answers: which query terms actually make articles match each topic (last 30 days), to tune
-- topic definitions; then apply the edited job file to stored articles with `mediamon retag`.
SELECT at.job,
       at.topic,
       term,
       count(*)                     AS articles,
       round(avg(at.score)::numeric, 1) AS avg_score,
       count(*) FILTER (WHERE 'title' = ANY (at.matched_in)) AS in_title
FROM article_topics at
JOIN articles a ON a.id = at.article_id
CROSS JOIN LATERAL unnest(at.terms) AS term
WHERE a.first_seen_at > now() - interval '30 days'
GROUP BY at.job, at.topic, term
ORDER BY at.job, at.topic, articles DESC;
