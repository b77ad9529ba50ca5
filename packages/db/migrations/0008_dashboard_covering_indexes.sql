DROP INDEX "hops_status_due_idx";--> statement-breakpoint
DROP INDEX "hops_origin_answered_idx";--> statement-breakpoint
DROP INDEX "tracebacks_status_opened_idx";--> statement-breakpoint
DROP INDEX "tracebacks_closed_at_idx";--> statement-breakpoint
CREATE INDEX "hops_status_due_idx" ON "hops" USING btree ("status","due_at","provider_id","traceback_id");--> statement-breakpoint
CREATE INDEX "hops_origin_answered_idx" ON "hops" USING btree ("answered_at","provider_id") WHERE "hops"."answer_kind" = 'origin';--> statement-breakpoint
CREATE INDEX "tracebacks_status_opened_idx" ON "tracebacks" USING btree ("status","opened_at","id");--> statement-breakpoint
CREATE INDEX "tracebacks_closed_at_idx" ON "tracebacks" USING btree ("closed_at","opened_at","outcome") WHERE "tracebacks"."status" = 'closed';