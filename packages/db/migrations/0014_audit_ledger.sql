CREATE TABLE "audit_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_head_one_row" CHECK ("audit_head"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "audit_ledger" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"actor_user_id" uuid,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"entry" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_published_heads" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_ledger_actor_idx" ON "audit_ledger" USING btree ("actor","seq");--> statement-breakpoint
CREATE INDEX "audit_ledger_actor_user_idx" ON "audit_ledger" USING btree ("actor_user_id","seq");--> statement-breakpoint
CREATE INDEX "audit_ledger_subject_idx" ON "audit_ledger" USING btree ("subject_type","subject_id","seq");--> statement-breakpoint
CREATE INDEX "audit_ledger_action_idx" ON "audit_ledger" USING btree ("action","seq");--> statement-breakpoint
-- The ledger's chain (decision 0024). The first append of a transaction takes the head row's lock
-- (held until commit, so appends serialise and the sequence has no gaps: a rolled-back append rolls
-- everything back with it), and computes hash = sha256(prev_hash ‖ entry) over the exact text it stores.
-- `entry` is the canonical JSON of the entry (jsonb's text form: keys sorted, one spacing), so anyone
-- can recompute the chain from the rows alone: `hoptrace audit verify` does, in Node.js, without these
-- functions. Later appends of the same transaction continue from its tail, kept in a transaction-local
-- setting (reverted with a rolled-back savepoint), and the head row is moved once, at commit: updating
-- it per entry would leave one row version per entry for the next append of the same transaction to
-- walk past.
CREATE FUNCTION hoptrace_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tail text := nullif(current_setting('hoptrace.audit_tail', true), '');
  prev_seq bigint;
  prev_hash text;
BEGIN
  IF tail IS NULL THEN
    SELECT seq, hash INTO prev_seq, prev_hash FROM audit_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'the audit ledger has no head row' USING ERRCODE = 'data_exception';
    END IF;
  ELSE
    prev_seq := split_part(tail, ':', 1)::bigint;
    prev_hash := split_part(tail, ':', 2);
  END IF;
  NEW.seq := prev_seq + 1;
  NEW.prev_hash := prev_hash;
  NEW.details := coalesce(NEW.details, '{}'::jsonb);
  NEW.entry := jsonb_build_object(
    'seq', NEW.seq,
    'at', to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'actor', NEW.actor,
    'actorUserId', NEW.actor_user_id,
    'action', NEW.action,
    'subject', jsonb_build_object('type', NEW.subject_type, 'id', NEW.subject_id),
    'details', NEW.details
  )::text;
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || NEW.entry, 'UTF8')), 'hex');
  PERFORM set_config('hoptrace.audit_tail', NEW.seq || ':' || NEW.hash, true);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
-- At commit: the transaction's last entry moves the head (its lock was taken by the first append).
CREATE FUNCTION hoptrace_audit_head_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq = split_part(nullif(current_setting('hoptrace.audit_tail', true), ''), ':', 1)::bigint THEN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER audit_ledger_head AFTER INSERT ON audit_ledger
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION hoptrace_audit_head_move();
--> statement-breakpoint
CREATE TRIGGER audit_ledger_chain BEFORE INSERT ON audit_ledger
  FOR EACH ROW EXECUTE FUNCTION hoptrace_audit_chain();
--> statement-breakpoint
CREATE TRIGGER audit_ledger_append_only BEFORE UPDATE OR DELETE ON audit_ledger
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_ledger_no_truncate BEFORE TRUNCATE ON audit_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION hoptrace_refuse_change();
--> statement-breakpoint
-- The head moves only from the head-move trigger above (trigger depth 2), never by a statement of its own.
CREATE FUNCTION hoptrace_audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'audit_head moves only when an entry is appended to audit_ledger'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION hoptrace_audit_head_guard();
--> statement-breakpoint
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION hoptrace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_published_heads_append_only BEFORE UPDATE OR DELETE ON audit_published_heads
  FOR EACH ROW EXECUTE FUNCTION hoptrace_refuse_change();
--> statement-breakpoint
-- Every timeline event is a ledger entry, appended when its transaction commits (a deferred trigger:
-- the head's lock is held only for the commit, not for the rest of the command). Events carry no
-- customer details (ARCHITECTURE.md), so neither does the entry.
CREATE FUNCTION hoptrace_audit_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_ledger (at, actor, actor_user_id, action, subject_type, subject_id, details)
  VALUES (
    NEW.at,
    NEW.actor,
    NEW.actor_user_id,
    NEW.type,
    CASE WHEN NEW.traceback_id IS NULL THEN 'none' ELSE 'traceback' END,
    NEW.traceback_id::text,
    NEW.data || jsonb_strip_nulls(jsonb_build_object('eventId', NEW.id, 'hopId', NEW.hop_id))
  );
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER events_audit AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION hoptrace_audit_event();
--> statement-breakpoint
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
--> statement-breakpoint
INSERT INTO audit_ledger (at, actor, action, subject_type, details)
  SELECT now(), 'system:migration', 'ledger.started', 'ledger',
         jsonb_build_object('eventsBefore', (SELECT coalesce(max(id), 0) FROM events));
