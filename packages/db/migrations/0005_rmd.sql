CREATE TABLE "provider_rmd_links" (
	"provider_id" uuid PRIMARY KEY NOT NULL,
	"filing_id" uuid NOT NULL,
	"strength" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"linked_at" timestamp with time zone NOT NULL,
	"linked_by" uuid
);
--> statement-breakpoint
CREATE TABLE "rmd_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rmd_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"import_id" uuid NOT NULL,
	"filing_id" uuid NOT NULL,
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"fields" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rmd_filings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"filing_number" text,
	"frn" text,
	"business_name" text,
	"implementation" text NOT NULL,
	"data" jsonb NOT NULL,
	"in_baseline" boolean NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rmd_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_name" text,
	"keyed_by" text NOT NULL,
	"columns" jsonb NOT NULL,
	"rows" integer NOT NULL,
	"records" integer NOT NULL,
	"added" integer NOT NULL,
	"changed" integer NOT NULL,
	"removed" integer NOT NULL,
	"unchanged" integer NOT NULL,
	"row_problems" integer NOT NULL,
	"noticed_at" timestamp with time zone NOT NULL,
	"imported_at" timestamp with time zone NOT NULL,
	"imported_by" uuid
);
--> statement-breakpoint
CREATE TABLE "rmd_match_proposals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"filing_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"import_id" uuid,
	"score" double precision NOT NULL,
	"reasons" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" uuid
);
--> statement-breakpoint
ALTER TABLE "provider_rmd_links" ADD CONSTRAINT "provider_rmd_links_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_rmd_links" ADD CONSTRAINT "provider_rmd_links_filing_id_rmd_filings_id_fk" FOREIGN KEY ("filing_id") REFERENCES "public"."rmd_filings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rmd_changes" ADD CONSTRAINT "rmd_changes_import_id_rmd_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."rmd_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rmd_changes" ADD CONSTRAINT "rmd_changes_filing_id_rmd_filings_id_fk" FOREIGN KEY ("filing_id") REFERENCES "public"."rmd_filings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rmd_match_proposals" ADD CONSTRAINT "rmd_match_proposals_filing_id_rmd_filings_id_fk" FOREIGN KEY ("filing_id") REFERENCES "public"."rmd_filings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rmd_match_proposals" ADD CONSTRAINT "rmd_match_proposals_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rmd_match_proposals" ADD CONSTRAINT "rmd_match_proposals_import_id_rmd_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."rmd_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rmd_changes_import_idx" ON "rmd_changes" USING btree ("import_id");--> statement-breakpoint
CREATE INDEX "rmd_changes_filing_idx" ON "rmd_changes" USING btree ("filing_id");--> statement-breakpoint
CREATE INDEX "rmd_filings_filing_number_idx" ON "rmd_filings" USING btree ("filing_number");--> statement-breakpoint
CREATE INDEX "rmd_filings_frn_idx" ON "rmd_filings" USING btree ("frn");--> statement-breakpoint
CREATE UNIQUE INDEX "rmd_match_proposals_pair_key" ON "rmd_match_proposals" USING btree ("filing_id","provider_id");--> statement-breakpoint
CREATE INDEX "rmd_match_proposals_status_idx" ON "rmd_match_proposals" USING btree ("status","created_at");