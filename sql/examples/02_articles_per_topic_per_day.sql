-- Answers: how many articles per topic per day (last 30 days), and from how many outlets.
-- topic_daily_counts has one row per job, topic, day (UTC) and language; this sums languages.
SELECT job,
       topic,
       day,
       sum(articles) AS articles,
       max(outlets)  AS outlets_in_one_language
FROM topic_daily_counts
WHERE day >= current_date - 30
GROUP BY job, topic, day
ORDER BY day DESC, articles DESC;
