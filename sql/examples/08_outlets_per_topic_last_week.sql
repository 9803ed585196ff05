-- Answers: which outlets publish most on each topic this week, with their share of the topic.
SELECT at.job,
       at.topic,
       a.host,
       count(*) AS articles,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY at.job, at.topic), 1) AS pct_of_topic
FROM article_topics at
JOIN articles a ON a.id = at.article_id
WHERE coalesce(a.published_at, a.first_seen_at) > now() - interval '7 days'
GROUP BY at.job, at.topic, a.host
ORDER BY at.job, at.topic, articles DESC;
