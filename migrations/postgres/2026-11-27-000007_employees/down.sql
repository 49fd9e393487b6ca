DROP TABLE person_id_keys;
DROP TABLE person_merges;
DROP TABLE person_statuses;
DROP TABLE assessments;
