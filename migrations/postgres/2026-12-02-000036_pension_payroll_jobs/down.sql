DELETE FROM job_files WHERE job_id IN (SELECT id FROM jobs WHERE kind = 'pension_payroll');
DELETE FROM jobs WHERE kind = 'pension_payroll';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('import_validate', 'import_commit', 'import_revoke', 'declaration', 'back_pay_declaration', 'export'));
