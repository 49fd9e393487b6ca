DROP TABLE imports;
DROP TABLE job_files;
DROP TABLE jobs;
