-- Decision 0035: the US entry point (gateway) of a call from abroad, stored when the path reaches the border.
-- Tracebacks closed as foreign_origin before this keep NULL; reads fall back to the last US provider of the path.
ALTER TABLE "tracebacks" ADD COLUMN "entry_point_provider_id" uuid;--> statement-breakpoint
-- NOT VALID: the column is new (all NULL), so nothing needs scanning under the lock.
ALTER TABLE "tracebacks" ADD CONSTRAINT "tracebacks_entry_point_provider_id_providers_id_fk" FOREIGN KEY ("entry_point_provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action NOT VALID;
