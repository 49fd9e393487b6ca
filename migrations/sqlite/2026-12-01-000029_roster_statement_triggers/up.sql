-- PostgreSQL's roster triggers follow inserted relations once per statement
-- from here (see the PostgreSQL migration of the same name). SQLite has
-- row-level triggers only, and updates a row in place (no version chain),
-- so its triggers stay as they are. Nothing to do.
SELECT 1;
