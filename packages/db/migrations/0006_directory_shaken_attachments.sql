-- Typo-tolerant directory search uses trigrams (pg_trgm ships with PostgreSQL and with PGlite).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE TABLE "attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"traceback_id" uuid NOT NULL,
	"hop_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"data" "bytea" NOT NULL,
	"uploaded_by" uuid,
	"uploaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "traceback_shaken" (
	"traceback_id" uuid PRIMARY KEY NOT NULL,
	"verified_at" timestamp with time zone NOT NULL,
	"verdict" text NOT NULL,
	"sip_code" integer,
	"verstat" text NOT NULL,
	"attest" text,
	"orig_tn" text,
	"dest_tns" text[] DEFAULT '{}'::text[] NOT NULL,
	"origid" text,
	"x5u" text,
	"spc" text,
	"signer_provider_id" uuid,
	"inconsistencies" text[] DEFAULT '{}'::text[] NOT NULL,
	"result" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "search_text" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "merged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_hop_id_hops_id_fk" FOREIGN KEY ("hop_id") REFERENCES "public"."hops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_shaken" ADD CONSTRAINT "traceback_shaken_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traceback_shaken" ADD CONSTRAINT "traceback_shaken_signer_provider_id_providers_id_fk" FOREIGN KEY ("signer_provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachments_hop_idx" ON "attachments" USING btree ("hop_id");--> statement-breakpoint
CREATE INDEX "attachments_traceback_idx" ON "attachments" USING btree ("traceback_id");--> statement-breakpoint
CREATE INDEX "traceback_shaken_signer_idx" ON "traceback_shaken" USING btree ("signer_provider_id");--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_merged_into_id_providers_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "providers_search_trgm_idx" ON "providers" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "providers_merged_into_idx" ON "providers" USING btree ("merged_into_id");--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_merge_check" CHECK (("providers"."merged_into_id" is null) = ("providers"."merged_at" is null));--> statement-breakpoint
-- search_text is derived, never written by the application: a trigger keeps it in step with the fields it indexes.
CREATE FUNCTION hoptrace_provider_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := lower(concat_ws(' ', NEW.name, array_to_string(NEW.dba_names, ' '), array_to_string(NEW.ocns, ' '), NEW.frn, NEW.rmd_number));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER providers_search_text BEFORE INSERT OR UPDATE ON providers
  FOR EACH ROW EXECUTE FUNCTION hoptrace_provider_search_text();
--> statement-breakpoint
UPDATE providers SET search_text = lower(concat_ws(' ', name, array_to_string(dba_names, ' '), array_to_string(ocns, ' '), frn, rmd_number));
--> statement-breakpoint
-- An attachment is evidence: once stored it is never changed or removed.
CREATE TRIGGER attachments_append_only BEFORE UPDATE OR DELETE ON attachments
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
