ALTER TABLE "rmd_filings" ADD COLUMN "search_text" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "rmd_filings_search_trgm_idx" ON "rmd_filings" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
-- search_text is derived, never written by the application: a trigger keeps it in step with the filing (decision 0030).
CREATE FUNCTION hoptrace_rmd_filing_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := lower(concat_ws(' ',
    NEW.business_name,
    (SELECT string_agg(v, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(NEW.data->'dbaNames') = 'array' THEN NEW.data->'dbaNames' ELSE '[]'::jsonb END) v),
    (SELECT string_agg(v, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(NEW.data->'previousDbaNames') = 'array' THEN NEW.data->'previousDbaNames' ELSE '[]'::jsonb END) v),
    NEW.frn,
    (SELECT string_agg(v, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(NEW.data->'otherFrns') = 'array' THEN NEW.data->'otherFrns' ELSE '[]'::jsonb END) v),
    NEW.filing_number));
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER rmd_filings_search_text BEFORE INSERT OR UPDATE ON rmd_filings
  FOR EACH ROW EXECUTE FUNCTION hoptrace_rmd_filing_search_text();
--> statement-breakpoint
-- rmd_filings holds one row per filing ever seen (about 10,000): filled in one statement.
UPDATE rmd_filings SET search_text = '';
