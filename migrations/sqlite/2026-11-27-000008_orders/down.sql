DROP TABLE idempotency_keys;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE declarations;
DROP TABLE wage_declaration_persons;
DROP TABLE wage_declarations;
