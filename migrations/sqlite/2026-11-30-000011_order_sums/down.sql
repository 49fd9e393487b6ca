DROP TABLE order_sums;
