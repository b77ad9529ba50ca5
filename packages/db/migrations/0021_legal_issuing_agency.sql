ALTER TABLE "legal_requests" ADD COLUMN "issuing_agency_id" uuid;--> statement-breakpoint
ALTER TABLE "legal_requests" ADD CONSTRAINT "legal_requests_issuing_agency_id_agencies_id_fk" FOREIGN KEY ("issuing_agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "legal_requests_issuing_agency_idx" ON "legal_requests" USING btree ("issuing_agency_id","due_on");--> statement-breakpoint
-- Requests already in the register whose agency name is a directory entry's (names are unique, case aside)
-- point at it; the others keep their name alone until staff choose the agency.
UPDATE "legal_requests" l SET "issuing_agency_id" = a."id" FROM "agencies" a WHERE lower(a."name") = lower(l."issuing_agency");
