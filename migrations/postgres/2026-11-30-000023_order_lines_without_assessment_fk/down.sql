DROP INDEX order_lines_assessment_id_idx;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_assessment_id_fkey
    FOREIGN KEY (assessment_id) REFERENCES assessments (id);
