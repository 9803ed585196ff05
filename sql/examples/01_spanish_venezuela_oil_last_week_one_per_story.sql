-- Answers: every Spanish-language article on Venezuela mentioning Maduro and oil in the last
-- week, one per story (the first-published copy of each story; articles without a story count alone).
-- Full-text search is accent- and case-insensitive and stemmed in Spanish: "petróleo" also finds
-- "petroleo", "PETRÓLEO", "Petróleos". Search syntax has no parentheses: combine queries with
-- && (and), || (or) and !! (not), as below. Change the words to ask about something else.
SELECT published, host, title, canonical_url, snippet
FROM (
    SELECT DISTINCT ON (coalesce(a.story_id, -a.id))
           coalesce(a.published_at, a.first_seen_at) AS published,
           a.host,
           a.title,
           a.canonical_url,
           ts_headline('mm_spanish', a.text, mm_search_query('es', 'maduro or petróleo or crudo or pdvsa'),
                       'MaxFragments=1, MaxWords=25, MinWords=10') AS snippet
    FROM articles a
    WHERE a.search @@ (mm_search_query('es', 'venezuela maduro') && mm_search_query('es', 'petróleo or crudo or pdvsa'))
      AND a.language LIKE 'es%'
      AND coalesce(a.published_at, a.first_seen_at) > now() - interval '7 days'
    ORDER BY coalesce(a.story_id, -a.id), coalesce(a.published_at, a.first_seen_at)
) first_per_story
ORDER BY published DESC
LIMIT 100;
