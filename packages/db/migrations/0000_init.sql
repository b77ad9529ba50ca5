CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"category" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"traceback_id" uuid,
	"hop_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"actor_user_id" uuid,
	"actor" text NOT NULL,
	"type" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hops" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"traceback_id" uuid NOT NULL,
	"line" text DEFAULT 'path' NOT NULL,
	"seq" integer NOT NULL,
	"provider_id" uuid NOT NULL,
	"named_by_hop_id" uuid,
	"status" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"answer_kind" text,
	"upstream_provider_id" uuid,
	"comment" text,
	"answered_by" uuid,
	"answered_via" text,
	"late" boolean DEFAULT false NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "hops_status_check" CHECK ("hops"."status" in ('pending', 'answered', 'non_responsive', 'withdrawn')),
	CONSTRAINT "hops_answer_check" CHECK (("hops"."status" = 'answered') = ("hops"."answer_kind" is not null and "hops"."answered_at" is not null)),
	CONSTRAINT "hops_upstream_check" CHECK (("hops"."answer_kind" = 'upstream') = ("hops"."upstream_provider_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "origins" (
	"hop_id" uuid PRIMARY KEY NOT NULL,
	"traceback_id" uuid NOT NULL,
	"customer_name" text NOT NULL,
	"customer_address" text,
	"customer_contact" text,
	"account_ref" text,
	"action" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"dba_names" text[] DEFAULT '{}'::text[] NOT NULL,
	"country" text DEFAULT 'US' NOT NULL,
	"ocns" text[] DEFAULT '{}'::text[] NOT NULL,
	"frn" text,
	"rmd_number" text,
	"timezone" text DEFAULT 'America/New_York' NOT NULL,
	"contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"verified" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracebacks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"call_started_at" timestamp with time zone NOT NULL,
	"calling_number" text NOT NULL,
	"called_number" text NOT NULL,
	"campaign_id" uuid,
	"first_provider_id" uuid NOT NULL,
	"identity_header" text,
	"note" text,
	"requested_by" uuid,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tracebacks_status_check" CHECK ("tracebacks"."status" in ('open', 'closed')),
	CONSTRAINT "tracebacks_outcome_check" CHECK (("tracebacks"."status" = 'open' and "tracebacks"."outcome" is null) or ("tracebacks"."status" = 'closed' and "tracebacks"."outcome" in ('origin_identified', 'foreign_origin', 'non_responsive', 'dead_end', 'cancelled')))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"provider_id" uuid,
	"password_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_role_check" CHECK ("users"."role" in ('admin', 'analyst', 'provider', 'enforcement')),
	CONSTRAINT "users_provider_binding" CHECK (("users"."role" = 'provider') = ("users"."provider_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hops" ADD CONSTRAINT "hops_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hops" ADD CONSTRAINT "hops_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hops" ADD CONSTRAINT "hops_upstream_provider_id_providers_id_fk" FOREIGN KEY ("upstream_provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hops" ADD CONSTRAINT "hops_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "origins" ADD CONSTRAINT "origins_hop_id_hops_id_fk" FOREIGN KEY ("hop_id") REFERENCES "public"."hops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "origins" ADD CONSTRAINT "origins_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracebacks" ADD CONSTRAINT "tracebacks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracebacks" ADD CONSTRAINT "tracebacks_first_provider_id_providers_id_fk" FOREIGN KEY ("first_provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracebacks" ADD CONSTRAINT "tracebacks_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "campaigns_created_idx" ON "campaigns" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "events_traceback_idx" ON "events" USING btree ("traceback_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "hops_traceback_line_seq_key" ON "hops" USING btree ("traceback_id","line","seq");--> statement-breakpoint
CREATE INDEX "hops_provider_status_idx" ON "hops" USING btree ("provider_id","status","requested_at");--> statement-breakpoint
CREATE INDEX "hops_status_due_idx" ON "hops" USING btree ("status","due_at");--> statement-breakpoint
CREATE INDEX "idempotency_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "providers_name_idx" ON "providers" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "providers_ocns_idx" ON "providers" USING gin ("ocns");--> statement-breakpoint
CREATE INDEX "providers_created_idx" ON "providers" USING btree ("created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "tracebacks_opened_idx" ON "tracebacks" USING btree ("opened_at","id");--> statement-breakpoint
CREATE INDEX "tracebacks_status_opened_idx" ON "tracebacks" USING btree ("status","opened_at");--> statement-breakpoint
CREATE INDEX "tracebacks_campaign_idx" ON "tracebacks" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "tracebacks_calling_idx" ON "tracebacks" USING btree ("calling_number");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));