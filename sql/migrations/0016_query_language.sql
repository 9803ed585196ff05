-- 0016: `mediamon search` speaks the topic query language (crawler/match/query.py): parentheses,
-- AND / OR / NOT / -word, "phrases", prefix* and title:. Python parses the query (the same parser
-- and the same errors as job files) and sends the syntax tree as a postfix program of parallel
-- arrays: ops[i] is 'term', 'and', 'or' or 'not'; each 'term' takes the next entry of words (the
-- normalised words), prefixes (a trailing *) and title_only (title:). SQL only builds tsqueries.

-- One term in one configuration: a phrase of its words ('a' <-> 'b'); a prefix term's last word
-- matches any lexeme it starts (to_tsquery's :*); title: keeps only title lexemes (weight A,
-- see mm_article_vector in 0003).
CREATE FUNCTION mm_term_query(config regconfig, words text, prefix boolean, title_only boolean) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    q tsquery;
    last_word text;
    head text;
BEGIN
    IF prefix THEN
        last_word := regexp_replace(words, '^.* ', '');
        head := btrim(left(words, length(words) - length(last_word)));
        q := to_tsquery(config, quote_literal(last_word) || ':*');
        IF head <> '' THEN
            q := tsquery_phrase(phraseto_tsquery(config, head), q);
        END IF;
    ELSE
        q := phraseto_tsquery(config, words);
    END IF;
    IF title_only THEN
        -- every lexeme 'x' or 'x':* becomes 'x':A or 'x':*A (quotes inside a lexeme are doubled)
        q := regexp_replace(q::text, '(''(?:[^'']|'''')*'')(?::(\*))?', '\1:\2A', 'g')::tsquery;
    END IF;
    RETURN q;
END
$$;

-- Run a postfix program (see above) in one configuration.
CREATE FUNCTION mm_query(config regconfig, ops text[], words text[], prefixes boolean[], title_only boolean[])
RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    stack tsquery[] := '{}';
    depth integer := 0;
    term integer := 0;
    op text;
BEGIN
    FOREACH op IN ARRAY ops LOOP
        IF op = 'term' THEN
            term := term + 1;
            depth := depth + 1;
            stack[depth] := mm_term_query(config, words[term], prefixes[term], title_only[term]);
        ELSIF op = 'not' AND depth >= 1 THEN
            stack[depth] := !! stack[depth];
        ELSIF op IN ('and', 'or') AND depth >= 2 THEN
            stack[depth - 1] := CASE op WHEN 'and' THEN stack[depth - 1] && stack[depth]
                                        ELSE stack[depth - 1] || stack[depth] END;
            depth := depth - 1;
        ELSE
            RAISE EXCEPTION 'mm_query: bad program at %', op;
        END IF;
    END LOOP;
    IF depth <> 1 THEN
        RAISE EXCEPTION 'mm_query: program leaves % queries, not one', depth;
    END IF;
    RETURN stack[1];
END
$$;

-- The program for articles in `language`; NULL = any language: the union over every configuration,
-- which the GIN index can use (recheck each row in its own language's configuration).
CREATE FUNCTION mm_query_any(language text, ops text[], words text[], prefixes boolean[], title_only boolean[])
RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN language IS NULL THEN
        mm_query('mm_english', ops, words, prefixes, title_only) || mm_query('mm_spanish', ops, words, prefixes, title_only)
        || mm_query('mm_portuguese', ops, words, prefixes, title_only) || mm_query('mm_french', ops, words, prefixes, title_only)
        || mm_query('mm_simple', ops, words, prefixes, title_only)
    ELSE mm_query(mm_search_config(language), ops, words, prefixes, title_only)
END;

GRANT EXECUTE ON FUNCTION mm_term_query(regconfig, text, boolean, boolean),
                          mm_query(regconfig, text[], text[], boolean[], boolean[]),
                          mm_query_any(text, text[], text[], boolean[], boolean[])
      TO mediamon_reader;
