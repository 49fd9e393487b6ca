DROP INDEX order_lines_order_id_idx;
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);
