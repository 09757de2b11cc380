DROP INDEX IF EXISTS members_search_trgm;
DROP EXTENSION IF EXISTS pg_trgm;
