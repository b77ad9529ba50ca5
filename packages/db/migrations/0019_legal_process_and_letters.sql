CREATE TABLE "legal_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"issuing_agency" text NOT NULL,
	"number" text NOT NULL,
	"received_on" date NOT NULL,
	"due_on" date NOT NULL,
	"scope" jsonb NOT NULL,
	"status" text NOT NULL,
	"notes" text,
	"document_name" text,
	"document_sha256" text,
	"document_size" integer,
	"document_data" "bytea",
	"gathered_traceback_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"gathered_at" timestamp with time zone,
	"package_id" uuid,
	"responded_at" timestamp with time zone,
	"response_method" text,
	"response_note" text,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "legal_requests_kind_check" CHECK ("legal_requests"."kind" in ('subpoena', 'cid', 'other')),
	CONSTRAINT "legal_requests_status_check" CHECK ("legal_requests"."status" in ('received', 'gathering', 'responded', 'closed')),
	CONSTRAINT "legal_requests_document_check" CHECK (("legal_requests"."document_data" is null) = ("legal_requests"."document_sha256" is null))
);
--> statement-breakpoint
CREATE TABLE "provider_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider_id" uuid NOT NULL,
	"issuer" text NOT NULL,
	"issued_on" date NOT NULL,
	"response_due_on" date,
	"url" text,
	"summary" text NOT NULL,
	"document_name" text,
	"document_sha256" text,
	"document_data" "bytea",
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "provider_letters_issuer_check" CHECK ("provider_letters"."issuer" in ('FCC', 'FTC'))
);
--> statement-breakpoint
ALTER TABLE "legal_requests" ADD CONSTRAINT "legal_requests_package_id_evidence_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."evidence_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_requests" ADD CONSTRAINT "legal_requests_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_letters" ADD CONSTRAINT "provider_letters_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_letters" ADD CONSTRAINT "provider_letters_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "legal_requests_due_idx" ON "legal_requests" USING btree ("due_on","id");--> statement-breakpoint
CREATE INDEX "legal_requests_received_idx" ON "legal_requests" USING btree ("received_on");--> statement-breakpoint
CREATE INDEX "provider_letters_provider_idx" ON "provider_letters" USING btree ("provider_id","issued_on");