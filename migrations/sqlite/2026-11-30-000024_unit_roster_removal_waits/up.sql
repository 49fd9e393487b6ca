-- PostgreSQL only (see its up.sql): SQLite runs one writer at a time, so
-- its roster triggers cannot race; nothing changes here. The folder keeps
-- both trees' migrations one list.
SELECT 1;
