-- The monthly pension payroll runs as a job (issue 15): jobs.kind takes
-- 'pension_payroll'.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('import_validate', 'import_commit', 'import_revoke', 'declaration', 'back_pay_declaration', 'export', 'pension_payroll'));
