DROP INDEX business_items_kind_created_at_idx;
DROP TABLE review_task_events;
DROP TABLE review_tasks;
DROP TABLE business_item_materials;
DROP TABLE materials;
