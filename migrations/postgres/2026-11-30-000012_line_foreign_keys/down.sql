ALTER TABLE order_lines
    ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE assessments
    ADD CONSTRAINT assessments_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES units (id),
    ADD CONSTRAINT assessments_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons (id),
    ADD CONSTRAINT assessments_source_item_id_fkey
        FOREIGN KEY (source_item_id) REFERENCES business_items (id);
