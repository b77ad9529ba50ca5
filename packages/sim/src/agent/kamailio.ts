import { decodePassport, parseIdentityHeader } from '@hoptrace/shaken';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RecordFileError } from './records';

/**
 * Which of Kamailio acc's extra columns (`db_extra` for the table, `log_extra` for log lines) hold what
 * the agent reads. Kamailio's own `acc` table has none of them (id, method, tags, callid, sip_code,
 * sip_reason, time): every provider names them in its kamailio.cfg, so the agent learns them from that.
 */
export interface KamailioColumns {
  calling?: string;
  called?: string;
  srcIp?: string;
  srcPort?: string;
  /** P-Asserted-Identity (the real number behind an anonymous From). */
  asserted?: string;
  /** The STIR/SHAKEN Identity header as the switch received it. */
  identity?: string;
}

/**
 * The pseudo-variables that say what a column holds, best first within each field. Names are
 * case-sensitive as in Kamailio ($fU is the From user, $fu the From URI); header names are not.
 */
const PVS: Record<keyof KamailioColumns, string[]> = {
  calling: ['$fU', '$(fu{uri.user})', '$fu'],
  // The request URI as the switch routed it, then the original one, then the To header.
  called: ['$rU', '$(ru{uri.user})', '$ru', '$oU', '$ou', '$tU', '$(tu{uri.user})', '$tu'],
  srcIp: ['$si'],
  srcPort: ['$sp'],
  asserted: ['$ai', '$hdr(p-asserted-identity)', '$(hdr(p-asserted-identity))'],
  identity: ['$hdr(identity)', '$(hdr(identity))', '$hdr(identity)[0]'],
};

const canonicalPv = (pv: string) => {
  const t = pv.replace(/\s+/g, '');
  // Header names are case-insensitive; other pseudo-variables are not.
  return t.replace(/hdr\(([^)]*)\)/g, (_, name: string) => `hdr(${name.toLowerCase()})`);
};

/**
 * Reads the value of acc's `db_extra` / `log_extra` (`name=$pv;name=$pv;…`) into the columns the agent
 * reads, by the pseudo-variable each column records (the column names are the provider's choice).
 */
export function kamailioExtraColumns(extra: string): KamailioColumns {
  const out: KamailioColumns = {};
  const rank: Partial<Record<keyof KamailioColumns, number>> = {};
  for (const pair of extra.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const pv = canonicalPv(pair.slice(eq + 1));
    for (const field of Object.keys(PVS) as (keyof KamailioColumns)[]) {
      const i = PVS[field].indexOf(pv);
      if (i >= 0 && (rank[field] === undefined || i < rank[field])) {
        out[field] = name;
        rank[field] = i;
      }
    }
  }
  return out;
}

const ZColumnName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a column name');

/** A JSON `--mapping` for `kamailio-acc` / `kamailio-acc-log`: the extra spec, or columns by name, or both. */
export const ZKamailioMapping = z
  .strictObject({
    /** acc's db_extra (or log_extra) value as in kamailio.cfg, e.g. "src_user=$fU;src_ip=$si". */
    extra: z.string().min(1).optional(),
    /** Columns named directly; each overrides what `extra` says. */
    columns: z
      .strictObject({
        calling_number: ZColumnName.optional(),
        called_number: ZColumnName.optional(),
        src_ip: ZColumnName.optional(),
        src_port: ZColumnName.optional(),
        asserted_number: ZColumnName.optional(),
        identity: ZColumnName.optional(),
      })
      .optional(),
  })
  .refine((m) => m.extra !== undefined || m.columns !== undefined, {
    message: 'give "extra" (acc db_extra as in kamailio.cfg) or "columns"',
  });

/** The string literals of acc's `modparam("acc", "<param>", "…" "…")` in a kamailio.cfg (Kamailio joins adjacent literals). */
function modparamValues(cfg: string, param: string): string[] {
  const re = new RegExp(
    `^[ \\t]*modparam\\(\\s*"acc"\\s*,\\s*"${param}"\\s*,\\s*((?:"(?:[^"\\\\]|\\\\.)*"\\s*)+)\\)`,
    'gm',
  );
  return [...cfg.matchAll(re)].map((m) =>
    [...m[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((s) => s[1]!.replace(/\\(.)/g, '$1')).join(''),
  );
}

/**
 * Reads `--mapping FILE` for the Kamailio formats: a JSON mapping, or the switch's kamailio.cfg itself
 * (its `db_extra` for the table, `log_extra` for log lines). Anything it cannot place is an error.
 */
export function readKamailioMapping(file: string, param: 'db_extra' | 'log_extra'): KamailioColumns {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RecordFileError(`--mapping ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let columns: KamailioColumns;
  if (/^\s*\{/.test(text)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new RecordFileError(`--mapping ${file}: ${(err as Error).message}`);
    }
    const parsed = ZKamailioMapping.safeParse(raw);
    if (!parsed.success)
      throw new RecordFileError(
        `--mapping ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`).join('; ')}`,
      );
    const c = parsed.data.columns ?? {};
    columns = {
      ...(parsed.data.extra ? kamailioExtraColumns(parsed.data.extra) : {}),
      ...Object.fromEntries(
        Object.entries({
          calling: c.calling_number,
          called: c.called_number,
          srcIp: c.src_ip,
          srcPort: c.src_port,
          asserted: c.asserted_number,
          identity: c.identity,
        }).filter(([, v]) => v !== undefined),
      ),
    };
  } else {
    const values = [...new Set(modparamValues(text, param))];
    if (values.length === 0)
      throw new RecordFileError(
        `--mapping ${file}: neither JSON nor a kamailio.cfg with modparam("acc", "${param}", …)`,
      );
    if (values.length > 1)
      throw new RecordFileError(
        `--mapping ${file}: acc's ${param} is set ${values.length} different ways (#!ifdef blocks?): give a JSON mapping {"extra": "…"} with the one in force`,
      );
    columns = kamailioExtraColumns(values[0]!);
  }
  if (!columns.calling && !columns.called && !columns.srcIp && !columns.asserted && !columns.identity)
    throw new RecordFileError(
      `--mapping ${file}: names no column the agent reads (the calling number $fU, the called $rU/$tU, the source $si, P-Asserted-Identity $ai, Identity $hdr(Identity))`,
    );
  return columns;
}

/** What a received Identity header says, for logs and the self-check (no numbers in it). */
export function identitySummary(header: string): { attest: string | null; x5u: string | null } | null {
  const parsed = parseIdentityHeader(header);
  if (!parsed.ok) return null;
  const passport = decodePassport(parsed.header.token);
  const attest = passport.ok ? passport.passport.payload.attest : undefined;
  const x5u = passport.ok ? passport.passport.header.x5u : undefined;
  return {
    attest: typeof attest === 'string' ? attest : null,
    x5u: typeof x5u === 'string' ? x5u : (parsed.header.info ?? null),
  };
}
