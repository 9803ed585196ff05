-- Answers: which stories of the last 3 days were run by the most outlets, and who had them first.
-- (story_overview comes with the stories migration: one row per story with its outlets.)
SELECT story_id,
       title,
       first_host,
       first_published_at,
       outlet_count,
       outlets,
       first_url
FROM story_overview
WHERE first_published_at > now() - interval '3 days'
ORDER BY outlet_count DESC, first_published_at DESC
LIMIT 20;
