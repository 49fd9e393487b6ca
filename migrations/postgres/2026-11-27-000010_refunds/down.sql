DELETE FROM number_sequences WHERE name = 'refund_no';
DROP TABLE refund_lines;
DROP TABLE refund_applications;
