CREATE TABLE "evidence_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"public_key_pem" text NOT NULL,
	"fingerprint" text NOT NULL,
	"private_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "evidence_packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"traceback_id" uuid,
	"campaign_id" uuid,
	"traceback_ids" uuid[] NOT NULL,
	"built_by" uuid,
	"built_by_label" text NOT NULL,
	"built_at" timestamp with time zone NOT NULL,
	"sha256" text NOT NULL,
	"manifest_sha256" text NOT NULL,
	"key_id" uuid NOT NULL,
	"size_bytes" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "evidence_packages_scope_check" CHECK ("evidence_packages"."scope" in ('traceback', 'campaign', 'tracebacks'))
);
--> statement-breakpoint
ALTER TABLE "evidence_packages" ADD CONSTRAINT "evidence_packages_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_packages" ADD CONSTRAINT "evidence_packages_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_packages" ADD CONSTRAINT "evidence_packages_built_by_users_id_fk" FOREIGN KEY ("built_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_packages" ADD CONSTRAINT "evidence_packages_key_id_evidence_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."evidence_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_keys_fingerprint_key" ON "evidence_keys" USING btree ("fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_keys_current_key" ON "evidence_keys" USING btree ((true)) WHERE "evidence_keys"."retired_at" is null;--> statement-breakpoint
CREATE INDEX "evidence_packages_traceback_idx" ON "evidence_packages" USING btree ("traceback_id");--> statement-breakpoint
CREATE INDEX "evidence_packages_campaign_idx" ON "evidence_packages" USING btree ("campaign_id");--> statement-breakpoint
-- A built package is evidence: its bytes were hashed, signed and handed out; never changed or removed.
CREATE TRIGGER evidence_packages_append_only BEFORE UPDATE OR DELETE ON evidence_packages
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
