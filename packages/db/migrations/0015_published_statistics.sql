CREATE TABLE "published_statistics" (
	"period" text PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"month" integer,
	"figures" jsonb NOT NULL,
	"published_by" uuid,
	"published_at" timestamp with time zone NOT NULL,
	CONSTRAINT "published_statistics_period_check" CHECK (("published_statistics"."month" is null and "published_statistics"."period" = "published_statistics"."year"::text) or ("published_statistics"."month" between 1 and 12 and "published_statistics"."period" = "published_statistics"."year"::text || '-' || lpad("published_statistics"."month"::text, 2, '0')))
);
--> statement-breakpoint
ALTER TABLE "published_statistics" ADD CONSTRAINT "published_statistics_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "published_statistics_year_idx" ON "published_statistics" USING btree ("year","month");--> statement-breakpoint
-- A published period is a snapshot: once written, its figures are never changed or removed.
CREATE TRIGGER published_statistics_append_only BEFORE UPDATE OR DELETE ON published_statistics
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER published_statistics_no_truncate BEFORE TRUNCATE ON published_statistics
  FOR EACH STATEMENT EXECUTE FUNCTION hoptrace_refuse_change();
