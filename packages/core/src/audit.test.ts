import { describe, expect, it } from 'vitest';
import type { AuditChainRow } from '@hoptrace/db';
import { AuditChainVerifier, chainHash, GENESIS_HASH, parseAuditSubject } from './audit';

/** Builds a chain the way the database's trigger does (jsonb's text form: ", " and ": "). */
function chain(n: number): AuditChainRow[] {
  const rows: AuditChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const at = `2026-12-0${1 + (seq % 5)}T10:00:00.000000Z`;
    const details = { hopId: `h${seq}`, n: seq };
    const entry = `{"at": "${at}", "seq": ${seq}, "actor": "system:test", "action": "hop.answered", "details": {"n": ${seq}, "hopId": "h${seq}"}, "subject": {"id": "t1", "type": "traceback"}, "actorUserId": null}`;
    const hash = chainHash(prev, entry);
    rows.push({
      seq,
      atText: at,
      actor: 'system:test',
      actorUserId: null,
      action: 'hop.answered',
      subjectType: 'traceback',
      subjectId: 't1',
      details,
      entry,
      prevHash: prev,
      hash,
    });
    prev = hash;
  }
  return rows;
}

function run(rows: AuditChainRow[], head = rows.at(-1), expected = new Map<number, string>()) {
  const v = new AuditChainVerifier(expected);
  for (const r of rows) {
    const f = v.check(r);
    if (f) return f;
  }
  return v.finish(head && { seq: head.seq, hash: head.hash });
}

function expectBreak(found: ReturnType<typeof run>, seq: number, words: string) {
  expect(found?.seq).toBe(seq);
  expect(found?.reason).toContain(words);
}

describe('AuditChainVerifier', () => {
  it('accepts a whole chain and computes sha256(prevHash ‖ entry) like sha256sum would', () => {
    expect(run(chain(5))).toBeNull();
    // printf '%s%s' "$(printf '0%.0s' {1..64})" '{}' | sha256sum
    expect(chainHash(GENESIS_HASH, '{}')).toBe(
      '5508d2b710e64bc470079e1b211d9c58e21011e59d0559e422345dc19d659a75',
    );
  });

  it('names a changed entry, a changed column, a removed entry, a broken link and a short head', () => {
    const changed = chain(5);
    changed[2] = { ...changed[2]!, entry: changed[2]!.entry.replace('"n": 3', '"n": 4') };
    expectBreak(run(changed), 3, 'does not match its hash');

    const column = chain(5);
    column[1] = { ...column[1]!, actor: 'someone@else.example' };
    expectBreak(run(column), 2, 'actor');

    const gap = chain(5);
    gap.splice(3, 1);
    expectBreak(run(gap), 4, 'missing');

    const relinked = chain(5);
    relinked[3] = { ...relinked[3]!, prevHash: GENESIS_HASH };
    expectBreak(run(relinked), 4, 'link');

    const cut = chain(5);
    expectBreak(run(cut.slice(0, 3), cut[4]), 4, 'removed');
  });

  it('holds the chain to heads kept elsewhere', () => {
    const rows = chain(4);
    expect(run(rows, rows[3], new Map([[2, rows[1]!.hash]]))).toBeNull();
    expect(run(rows, rows[3], new Map([[2, rows[2]!.hash]]))).toMatchObject({ seq: 2 });
    expect(run(rows, rows[3], new Map([[9, rows[2]!.hash]]))).toMatchObject({ seq: 9 });
  });

  it('reads a subject as type:id, a type, or an id', () => {
    expect(parseAuditSubject('traceback:abc')).toEqual({ type: 'traceback', id: 'abc' });
    expect(parseAuditSubject('provider')).toEqual({ type: 'provider' });
    expect(parseAuditSubject('0b6f…')).toEqual({ id: '0b6f…' });
    expect(parseAuditSubject('+1202:x')).toEqual({ id: '+1202:x' });
  });
});
