-- An order's lines are read a page at a time in line order (GET
-- /portal/orders/{no}/lines): with (order_id, id) the page is a walk along
-- the index. On PostgreSQL an index on order_id alone returns an order's
-- 150,000 lines in heap order, which the page then had to sort (40 ms a
-- page); SQLite's index already ended in the rowid, so it gains nothing
-- but parity.
DROP INDEX order_lines_order_id_idx;
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id, id);
