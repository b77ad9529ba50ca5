-- Campaign intelligence: call records (partitioned by month of started_at; partitions are made as
-- calls arrive, see callWriter.ts), their global key, detection batches, per-campaign rollups, feed keys.
CREATE TABLE "call_batches" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "call_batches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source_id" integer NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"call_ids" uuid[] NOT NULL,
	"started_ats" timestamp with time zone[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_sources" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "call_sources_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"description" text,
	"terminating_provider_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"id" uuid NOT NULL,
	"source_id" integer NOT NULL,
	"external_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"started_at_precision" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"calling_number" text,
	"called_number" text,
	"transcript" text,
	"language" text,
	"duration_seconds" double precision,
	"kind" text,
	"identity_header" text,
	"attestation" text,
	"shaken_status" text,
	"signer_ocn" text,
	"audio_fingerprint" text,
	"dno_category" text,
	"neighbour_spoof" boolean DEFAULT false NOT NULL,
	"callback_numbers" text[] DEFAULT '{}'::text[] NOT NULL,
	"metadata" jsonb,
	"campaign_id" uuid,
	"assigned_by" text,
	"similarity" double precision,
	CONSTRAINT "calls_id_started_at_pk" PRIMARY KEY("id","started_at")
) PARTITION BY RANGE ("started_at");
--> statement-breakpoint
CREATE TABLE "campaign_numbers" (
	"campaign_id" uuid NOT NULL,
	"role" text NOT NULL,
	"number" text NOT NULL,
	"calls" integer NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "campaign_numbers_campaign_id_role_number_pk" PRIMARY KEY("campaign_id","role","number")
);
--> statement-breakpoint
CREATE TABLE "campaign_volume" (
	"campaign_id" uuid NOT NULL,
	"source_id" integer NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"calls" integer NOT NULL,
	"signed_a" integer DEFAULT 0 NOT NULL,
	"signed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_volume_campaign_id_hour_source_id_pk" PRIMARY KEY("campaign_id","hour","source_id")
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "source_id" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "origin" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "named_by_analyst" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "profile" jsonb;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "call_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "first_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "kept_apart" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sample_transcript" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tracebacks" ADD COLUMN "call_id" uuid;--> statement-breakpoint
ALTER TABLE "call_sources" ADD CONSTRAINT "call_sources_terminating_provider_id_providers_id_fk" FOREIGN KEY ("terminating_provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "call_sources_name_key" ON "call_sources" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "calls_calling_idx" ON "calls" USING btree ("calling_number","started_at");--> statement-breakpoint
CREATE INDEX "calls_campaign_idx" ON "calls" USING btree ("campaign_id","started_at") WHERE "calls"."campaign_id" is not null;--> statement-breakpoint
CREATE INDEX "campaign_numbers_number_idx" ON "campaign_numbers" USING btree ("number");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_source_id_call_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."call_sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_merged_into_id_campaigns_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_source_idx" ON "api_keys" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "campaigns_status_idx" ON "campaigns" USING btree ("status","last_seen_at");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_owner_check" CHECK (("api_keys"."user_id" is null) <> ("api_keys"."source_id" is null));--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_status_check" CHECK ("campaigns"."status" in ('candidate', 'active', 'legitimate', 'merged'));--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_merge_check" CHECK (("campaigns"."status" = 'merged') = ("campaigns"."merged_into_id" is not null));