CREATE TABLE "referrals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"traceback_id" uuid NOT NULL,
	"agency" text NOT NULL,
	"note" text,
	"referred_by" uuid,
	"referred_at" timestamp with time zone NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" uuid
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "agency" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_referred_by_users_id_fk" FOREIGN KEY ("referred_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_withdrawn_by_users_id_fk" FOREIGN KEY ("withdrawn_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_live_key" ON "referrals" USING btree ("traceback_id","agency") WHERE "referrals"."withdrawn_at" is null;--> statement-breakpoint
CREATE INDEX "referrals_agency_idx" ON "referrals" USING btree ("agency","referred_at");--> statement-breakpoint
CREATE INDEX "hops_provider_traceback_idx" ON "hops" USING btree ("provider_id","traceback_id");--> statement-breakpoint
CREATE INDEX "hops_origin_answered_idx" ON "hops" USING btree ("answered_at") WHERE "hops"."answer_kind" = 'origin';--> statement-breakpoint
CREATE INDEX "origins_traceback_idx" ON "origins" USING btree ("traceback_id");--> statement-breakpoint
CREATE INDEX "tracebacks_called_idx" ON "tracebacks" USING btree ("called_number");--> statement-breakpoint
CREATE INDEX "tracebacks_closed_at_idx" ON "tracebacks" USING btree ("closed_at") WHERE "tracebacks"."status" = 'closed';