CREATE TABLE "agencies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text,
	"jurisdiction" text,
	"contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agencies_kind_check" CHECK ("agencies"."kind" in ('federal', 'state', 'local'))
);
--> statement-breakpoint
CREATE TABLE "request_attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"data" "bytea" NOT NULL,
	"uploaded_by" uuid,
	"uploaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "traceback_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone NOT NULL,
	"call_started_at" timestamp with time zone NOT NULL,
	"calling_number" text NOT NULL,
	"called_number" text NOT NULL,
	"terminating_provider_id" uuid,
	"reason" text NOT NULL,
	"urgency" text NOT NULL,
	"status" text NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" uuid,
	"decline_reason" text,
	"traceback_id" uuid,
	CONSTRAINT "traceback_requests_urgency_check" CHECK ("traceback_requests"."urgency" in ('normal', 'urgent')),
	CONSTRAINT "traceback_requests_status_check" CHECK ("traceback_requests"."status" in ('pending', 'accepted', 'declined')),
	CONSTRAINT "traceback_requests_decision_check" CHECK (("traceback_requests"."status" = 'accepted') = ("traceback_requests"."traceback_id" is not null) and ("traceback_requests"."status" = 'declined') = ("traceback_requests"."decline_reason" is not null))
);
--> statement-breakpoint
DROP INDEX "referrals_live_key";--> statement-breakpoint
DROP INDEX "referrals_agency_idx";--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "agency_id" uuid;--> statement-breakpoint
ALTER TABLE "tracebacks" ADD COLUMN "urgent_hours" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "agency_id" uuid;--> statement-breakpoint
-- The free-text agencies become rows of the directory: one per distinct name (trimmed, case-insensitive) in
-- users.agency and referrals.agency; their kind stays unset until an admin sets it.
INSERT INTO "agencies" ("name")
  SELECT DISTINCT ON (lower(btrim(a))) btrim(a) FROM (
    SELECT "agency" AS a FROM "users" WHERE "agency" IS NOT NULL AND btrim("agency") <> ''
    UNION ALL SELECT "agency" FROM "referrals"
  ) AS names ORDER BY lower(btrim(a)), btrim(a) COLLATE "C";--> statement-breakpoint
UPDATE "users" SET "agency_id" = "agencies"."id" FROM "agencies"
  WHERE "users"."agency" IS NOT NULL AND lower(btrim("users"."agency")) = lower("agencies"."name");--> statement-breakpoint
UPDATE "referrals" SET "agency_id" = "agencies"."id" FROM "agencies"
  WHERE lower(btrim("referrals"."agency")) = lower("agencies"."name");--> statement-breakpoint
ALTER TABLE "referrals" ALTER COLUMN "agency_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "request_attachments" ADD CONSTRAINT "request_attachments_request_id_traceback_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."traceback_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_requests" ADD CONSTRAINT "traceback_requests_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_requests" ADD CONSTRAINT "traceback_requests_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_requests" ADD CONSTRAINT "traceback_requests_terminating_provider_id_providers_id_fk" FOREIGN KEY ("terminating_provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_requests" ADD CONSTRAINT "traceback_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_requests" ADD CONSTRAINT "traceback_requests_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agencies_name_key" ON "agencies" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "request_attachments_request_idx" ON "request_attachments" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "traceback_requests_traceback_key" ON "traceback_requests" USING btree ("traceback_id");--> statement-breakpoint
CREATE INDEX "traceback_requests_agency_idx" ON "traceback_requests" USING btree ("agency_id","submitted_at");--> statement-breakpoint
CREATE INDEX "traceback_requests_status_idx" ON "traceback_requests" USING btree ("status","submitted_at");--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "users_agency_idx" ON "users" USING btree ("agency_id");--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_live_key" ON "referrals" USING btree ("traceback_id","agency_id") WHERE "referrals"."withdrawn_at" is null;--> statement-breakpoint
CREATE INDEX "referrals_agency_idx" ON "referrals" USING btree ("agency_id","referred_at");--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "agency";--> statement-breakpoint
-- Evidence sent with an agency's request is kept as it came: never changed or removed.
CREATE TRIGGER request_attachments_append_only BEFORE UPDATE OR DELETE ON request_attachments
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
