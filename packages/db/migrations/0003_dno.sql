CREATE TABLE "dno_changes" (
	"version" bigint PRIMARY KEY NOT NULL,
	"entry_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_user_id" uuid,
	"actor" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "dno_changes_kind_check" CHECK ("dno_changes"."kind" in ('added', 'removed'))
);
--> statement-breakpoint
CREATE TABLE "dno_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"category" text NOT NULL,
	"start" text NOT NULL,
	"end" text NOT NULL,
	"source" text,
	"reason" text,
	"organisation" text,
	"evidence" text,
	"added_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	"added_by" uuid,
	"removed_by" uuid,
	"version_added" bigint NOT NULL,
	"version_removed" bigint,
	CONSTRAINT "dno_entries_category_check" CHECK ("dno_entries"."category" in ('subscriber_requested', 'invalid', 'unallocated', 'allocated_unused')),
	CONSTRAINT "dno_entries_range_check" CHECK (length("dno_entries"."start") = length("dno_entries"."end") and "dno_entries"."start" <= "dno_entries"."end"),
	CONSTRAINT "dno_entries_removed_check" CHECK (("dno_entries"."removed_at" is null) = ("dno_entries"."version_removed" is null))
);
--> statement-breakpoint
ALTER TABLE "dno_changes" ADD CONSTRAINT "dno_changes_entry_id_dno_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."dno_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dno_changes_entry_idx" ON "dno_changes" USING btree ("entry_id");--> statement-breakpoint
CREATE UNIQUE INDEX "dno_entries_live_key" ON "dno_entries" USING btree ("start","end","category") WHERE "dno_entries"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "dno_entries_version_idx" ON "dno_entries" USING btree ("version_added");