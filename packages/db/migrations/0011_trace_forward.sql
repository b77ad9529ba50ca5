-- Trace-forward (decision 0016): a forward request is a traceback of kind forward with one hop, asking the
-- provider that holds a campaign's callback number who its customer is. It has no call: the callback number
-- stands in calling_number and called_number is empty.
ALTER TABLE "tracebacks" ADD COLUMN "kind" text DEFAULT 'trace' NOT NULL;--> statement-breakpoint
CREATE INDEX "tracebacks_forward_idx" ON "tracebacks" USING btree ("opened_at","id") WHERE "tracebacks"."kind" = 'forward';--> statement-breakpoint
ALTER TABLE "tracebacks" ADD CONSTRAINT "tracebacks_kind_check" CHECK ("tracebacks"."kind" in ('trace', 'forward'));--> statement-breakpoint
ALTER TABLE "tracebacks" ADD CONSTRAINT "tracebacks_forward_check" CHECK ("tracebacks"."kind" = 'trace' or ("tracebacks"."campaign_id" is not null and "tracebacks"."called_number" = ''));