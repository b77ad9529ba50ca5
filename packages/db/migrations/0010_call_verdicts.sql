-- Call records at volume (decision 0015): `calls` holds each record as it arrived, written once by
-- COPY and never updated; what detection and analysts conclude about a call (its campaign, the
-- callback numbers spoken in it, its verified Identity header) lives in `call_verdicts`, one narrow
-- row, partitioned like `calls` (callWriter.ts makes both partitions of a month together). Reads go
-- through the view `call_view`. The primary keys lead with the time: a feed arrives roughly in time
-- order, so new keys land at the right edge of the index instead of all over it.
CREATE TABLE "call_verdicts" (
	"id" uuid NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"campaign_id" uuid,
	"assigned_by" text,
	"similarity" double precision,
	"callback_numbers" text[] DEFAULT '{}'::text[] NOT NULL,
	"shaken_status" text,
	"attestation" text,
	"signer_ocn" text,
	CONSTRAINT "call_verdicts_pk" PRIMARY KEY("started_at","id")
) PARTITION BY RANGE ("started_at");
--> statement-breakpoint
CREATE INDEX "call_verdicts_campaign_idx" ON "call_verdicts" USING btree ("campaign_id","started_at") WHERE "call_verdicts"."campaign_id" is not null;--> statement-breakpoint
DO $$
DECLARE
	part record;
	y int;
	m int;
BEGIN
	FOR part IN
		SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
		WHERE p.relname = 'calls' AND c.relname ~ '^calls_y[0-9]{4}m[0-9]{2}$'
	LOOP
		y := substr(part.name, 8, 4)::int;
		m := substr(part.name, 13, 2)::int;
		EXECUTE format(
			'CREATE TABLE %I PARTITION OF call_verdicts FOR VALUES FROM (%L) TO (%L)',
			'call_verdicts_' || substr(part.name, 7),
			make_timestamptz(y, m, 1, 0, 0, 0, 'UTC'),
			make_timestamptz(y + m / 12, m % 12 + 1, 1, 0, 0, 0, 'UTC')
		);
	END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "call_verdicts" ("id", "started_at", "campaign_id", "assigned_by", "similarity", "callback_numbers", "shaken_status", "attestation", "signer_ocn")
	SELECT "id", "started_at", "campaign_id", "assigned_by", "similarity", "callback_numbers",
		CASE WHEN "shaken_status" IN ('valid', 'invalid', 'error') THEN "shaken_status" END,
		CASE WHEN "shaken_status" IN ('valid', 'invalid', 'error') THEN "attestation" END,
		CASE WHEN "shaken_status" IN ('valid', 'invalid', 'error') THEN "signer_ocn" END
	FROM "calls"
	WHERE "campaign_id" IS NOT NULL OR "callback_numbers" <> '{}' OR "shaken_status" IN ('valid', 'invalid', 'error');--> statement-breakpoint
DROP INDEX "calls_campaign_idx";--> statement-breakpoint
ALTER TABLE "calls" DROP CONSTRAINT "calls_id_started_at_pk";--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_pk" PRIMARY KEY("started_at","id");--> statement-breakpoint
ALTER TABLE "calls" DROP COLUMN "callback_numbers";--> statement-breakpoint
ALTER TABLE "calls" DROP COLUMN "campaign_id";--> statement-breakpoint
ALTER TABLE "calls" DROP COLUMN "assigned_by";--> statement-breakpoint
ALTER TABLE "calls" DROP COLUMN "similarity";--> statement-breakpoint
CREATE VIEW "call_view" AS
	SELECT c."id", c."source_id", c."external_id", c."started_at", c."started_at_precision", c."received_at",
		c."calling_number", c."called_number", c."transcript", c."language", c."duration_seconds", c."kind",
		c."identity_header",
		coalesce(v."attestation", c."attestation") AS "attestation",
		coalesce(v."shaken_status", c."shaken_status") AS "shaken_status",
		coalesce(v."signer_ocn", c."signer_ocn") AS "signer_ocn",
		c."audio_fingerprint", c."dno_category", c."neighbour_spoof",
		coalesce(v."callback_numbers", '{}'::text[]) AS "callback_numbers",
		c."metadata", v."campaign_id", v."assigned_by", v."similarity"
	FROM "calls" c
	LEFT JOIN "call_verdicts" v ON v."started_at" = c."started_at" AND v."id" = c."id";
