-- A detection batch's call ids and start times are stored as they are, not compressed: random uuids
-- and times a few seconds apart do not compress, and trying cost an import about 5% of its server
-- time per batch (decision 0015, 2026-12-06). Rows written before keep their form.
ALTER TABLE "call_batches" ALTER COLUMN "call_ids" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "call_batches" ALTER COLUMN "started_ats" SET STORAGE EXTERNAL;
