-- The DNO change log is what subscribers replay ("changes since version N"): never changed or removed.
CREATE TRIGGER dno_changes_append_only BEFORE UPDATE OR DELETE ON dno_changes
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER dno_changes_no_truncate BEFORE TRUNCATE ON dno_changes
  FOR EACH STATEMENT EXECUTE FUNCTION hoptrace_refuse_change();
