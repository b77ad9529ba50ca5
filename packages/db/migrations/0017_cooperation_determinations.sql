CREATE TABLE "cooperation_determinations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "cooperation_determinations_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"provider_id" uuid NOT NULL,
	"status" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"decision" text NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone NOT NULL,
	"note" text,
	"published" boolean DEFAULT false NOT NULL,
	"published_at" timestamp with time zone,
	"published_by" uuid,
	CONSTRAINT "cooperation_determinations_status_check" CHECK ("cooperation_determinations"."status" in ('cooperative', 'watch', 'non_cooperative')),
	CONSTRAINT "cooperation_determinations_decision_check" CHECK ("cooperation_determinations"."decision" in ('confirmed', 'dismissed')),
	CONSTRAINT "cooperation_determinations_publish_check" CHECK ((not "cooperation_determinations"."published" or "cooperation_determinations"."decision" = 'confirmed') and ("cooperation_determinations"."published" = ("cooperation_determinations"."published_at" is not null)))
);
--> statement-breakpoint
CREATE TABLE "provider_scorecards" (
	"provider_id" uuid PRIMARY KEY NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"window_from" timestamp with time zone NOT NULL,
	"requested" integer NOT NULL,
	"on_time" integer NOT NULL,
	"late" integer NOT NULL,
	"never" integer NOT NULL,
	"median_h" double precision,
	"p90_h" double precision,
	"as_origin" integer NOT NULL,
	"as_entry" integer NOT NULL,
	"as_hop" integer NOT NULL,
	"no_upstream" integer NOT NULL,
	"campaigns" integer NOT NULL,
	"origin_actions" integer NOT NULL,
	"warned_terminated" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cooperation_determinations" ADD CONSTRAINT "cooperation_determinations_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cooperation_determinations" ADD CONSTRAINT "cooperation_determinations_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cooperation_determinations" ADD CONSTRAINT "cooperation_determinations_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_scorecards" ADD CONSTRAINT "provider_scorecards_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cooperation_determinations_provider_idx" ON "cooperation_determinations" USING btree ("provider_id","seq");--> statement-breakpoint
CREATE INDEX "cooperation_determinations_decided_idx" ON "cooperation_determinations" USING btree ("decided_at","id");--> statement-breakpoint
CREATE INDEX "cooperation_determinations_confirmed_idx" ON "cooperation_determinations" USING btree ("provider_id","seq") WHERE "cooperation_determinations"."decision" = 'confirmed';