-- Answers: the best matches for a free-text search in any language, ranked with title matches
-- first, with highlighted snippets; what `mediamon search "díaz-canel economía"` does, in SQL.
-- mm_search_query(NULL, ...) searches every language; each article is then checked against the
-- query stemmed for its own language.
SELECT a.id,
       ts_rank('{0.05, 0.1, 0.4, 1.0}', a.search, mm_tsquery(mm_search_config(a.language), 'díaz-canel economía')) AS rank,
       a.language,
       a.host,
       a.title,
       ts_headline(mm_search_config(a.language), a.text,
                   mm_tsquery(mm_search_config(a.language), 'díaz-canel economía'),
                   'StartSel=[, StopSel=], MaxFragments=2, MaxWords=25, MinWords=10') AS snippet
FROM articles a
WHERE a.search @@ mm_search_query(NULL, 'díaz-canel economía')
  AND a.search @@ mm_tsquery(mm_search_config(a.language), 'díaz-canel economía')
ORDER BY rank DESC
LIMIT 20;
