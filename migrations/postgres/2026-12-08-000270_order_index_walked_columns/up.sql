-- Mirrors the SQLite migration of this name, which widens the newest-first order's index with
-- the columns a walked page tests on each conversation. PostgreSQL reads a walk's ids from its
-- index alone only where the visibility map marks the rows' pages settled, and the newest
-- conversations, which that order walks first, are the most recently written: it reads a walked
-- page's ids from the index only for conditions held in other tables
-- (`db::conversations::page::load_page_rows`), and reads these columns from the row as before.
SELECT 1;
