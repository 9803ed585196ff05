-- 0005: sources.body_hash (0001) was never written. Skipping a feed whose body is unchanged would also
-- skip the retries of its failed and over-limit links, so only-new crawling stays per URL (crawl_seen).
ALTER TABLE sources DROP COLUMN body_hash;
