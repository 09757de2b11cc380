-- Free-text roster search (name or email contains the text) with a trigram
-- index. The planner uses it when the text is selective and walks the name
-- index when it is not; it can choose only with plans made for the actual
-- values, which postgres.Open asks for (plan_cache_mode).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX members_search_trgm ON members
    USING gin ((given_name || ' ' || family_name || ' ' || email) gin_trgm_ops);
