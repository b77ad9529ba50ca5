CREATE TABLE "shaken_path_flags" (
	"traceback_id" uuid NOT NULL,
	"hop_id" uuid NOT NULL,
	"code" text NOT NULL,
	"provider_id" uuid,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "shaken_path_flags_traceback_id_hop_id_code_pk" PRIMARY KEY("traceback_id","hop_id","code")
);
--> statement-breakpoint
ALTER TABLE "hops" ADD COLUMN "received_identity" text;--> statement-breakpoint
ALTER TABLE "hops" ADD COLUMN "received_from" text;--> statement-breakpoint
ALTER TABLE "hops" ADD COLUMN "received_pai" text;--> statement-breakpoint
ALTER TABLE "hops" ADD COLUMN "received_shaken" jsonb;--> statement-breakpoint
ALTER TABLE "hops" ADD COLUMN "number_held" boolean;--> statement-breakpoint
ALTER TABLE "shaken_path_flags" ADD CONSTRAINT "shaken_path_flags_traceback_id_tracebacks_id_fk" FOREIGN KEY ("traceback_id") REFERENCES "public"."tracebacks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shaken_path_flags" ADD CONSTRAINT "shaken_path_flags_hop_id_hops_id_fk" FOREIGN KEY ("hop_id") REFERENCES "public"."hops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shaken_path_flags" ADD CONSTRAINT "shaken_path_flags_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shaken_path_flags_provider_idx" ON "shaken_path_flags" USING btree ("provider_id","code");