DROP FUNCTION IF EXISTS roster_search_merge_pending();
ALTER INDEX members_search_trgm RESET (gin_pending_list_limit);
