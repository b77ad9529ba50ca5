/**
 * Every environment variable hoptrace reads, with its default and meaning: the one place the README's
 * configuration table comes from (`npm run docs:settings` writes it; a test fails when the table, or the
 * variables the code reads, drift from this list). `default` and `meaning` are Markdown.
 */
export interface SettingDoc {
  name: string;
  default: string;
  meaning: string;
}

export const SETTINGS: readonly SettingDoc[] = [
  {
    name: 'PORT',
    default: '`3000`',
    meaning: 'HTTP port (`hoptrace start --port` overrides)',
  },
  {
    name: 'HOST',
    default: '`127.0.0.1`',
    meaning: 'address to bind; `0.0.0.0` to serve other machines',
  },
  {
    name: 'HOPTRACE_DATA_DIR',
    default: '`./data`',
    meaning: 'where the embedded database lives',
  },
  {
    name: 'DATABASE_URL',
    default: '—',
    meaning: '`postgres://…`: use this PostgreSQL (15 or later) instead of the embedded database',
  },
  {
    name: 'HOPTRACE_ADMIN_EMAIL',
    default: '`admin@hoptrace.local`',
    meaning: 'first admin, created on an empty database',
  },
  {
    name: 'HOPTRACE_ADMIN_PASSWORD',
    default: 'generated, printed once',
    meaning: "that admin's password (refused at start, exit 2, when too easy to guess)",
  },
  {
    name: 'HOPTRACE_SECURE_COOKIES',
    default: '`false`',
    meaning: 'set `true` behind HTTPS so the session cookie is `Secure`',
  },
  {
    name: 'HOPTRACE_TRUST_PROXY',
    default: '`false`',
    meaning:
      "behind a reverse proxy, the proxies' addresses or CIDR ranges, comma-separated (`10.0.0.2`, `10.0.0.0/8`): the client address (rate limits, sign-in throttle) is then the last X-Forwarded-For entry that is not one of them. Without it every client behind the proxy shares the proxy's address; `true` trusts any X-Forwarded-For, which a client that reaches the server directly can forge",
  },
  {
    name: 'HOPTRACE_LOGIN_RATE_LIMIT',
    default: '`10`',
    meaning:
      'sign-in attempts per client address a minute (counted in the database, across processes); failed sign-ins also slow the account down (decision 0019)',
  },
  {
    name: 'HOPTRACE_API_KEY_RATE_LIMIT',
    default: '`600`',
    meaning:
      'requests per API key a minute (429 with `Retry-After` beyond; `RateLimit-*` headers on every answer); `0` for no limit',
  },
  {
    name: 'HOPTRACE_BULK_MAX_BYTES',
    default: '`20971520`',
    meaning: 'the largest bulk answers file (`POST /hops/bulk-answers`); larger is 413',
  },
  {
    name: 'HOPTRACE_BULK_MAX_ROWS',
    default: '`50000`',
    meaning: 'the most rows in one bulk answers file; more is 413 and nothing is applied',
  },
  {
    name: 'HOPTRACE_BULK_UPLOADS_AT_ONCE',
    default: '`1`',
    meaning:
      'bulk uploads one provider may run at once (across processes); another is 429 with `Retry-After`',
  },
  {
    name: 'HOPTRACE_ATTACHMENT_MAX_BYTES',
    default: '`10485760`',
    meaning: 'the largest PDF attached to a hop (10 MB); larger is 413',
  },
  {
    name: 'LOG_LEVEL',
    default: '`info`',
    meaning: 'pino log level',
  },
  {
    name: 'SMTP_URL',
    default: '—',
    meaning:
      '`smtp://user:pass@host:587`: send email through this server; without it, messages are written as `.eml` files to `$HOPTRACE_DATA_DIR/mail/`',
  },
  {
    name: 'HOPTRACE_MAIL_FROM',
    default: '`hoptrace <no-reply@hoptrace.local>`',
    meaning: 'sender of notices',
  },
  {
    name: 'HOPTRACE_PUBLIC_URL',
    default: "the server's own address",
    meaning: 'base of the one-hop links in emails (the portal as providers reach it)',
  },
  {
    name: 'HOPTRACE_WEBHOOK_ALLOW_HTTP',
    default: '`false`',
    meaning: 'accept `http://` webhook endpoints (tests, closed networks)',
  },
  {
    name: 'HOPTRACE_WEBHOOK_ALLOW_PRIVATE',
    default: '`false`',
    meaning: 'accept webhook endpoints on private or loopback addresses',
  },
  {
    name: 'HOPTRACE_OUTBOX_LEASE_MS',
    default: '`120000`',
    meaning: 'how long a worker holds a claimed notice before another may take it over',
  },
  {
    name: 'HOPTRACE_OUTBOX_RETRY_MS',
    default: '`30000`',
    meaning: 'first retry delay of a failed notice (doubles each time, up to an hour)',
  },
  {
    name: 'HOPTRACE_REMINDER_HOURS',
    default: '`12,2`',
    meaning:
      "hours before a hop's deadline at which its provider is reminded, comma-separated (each above 0, up to 24)",
  },
  {
    name: 'HOPTRACE_ESCALATE_AT_DUE',
    default: '`true`',
    meaning:
      "`false`: no escalation to a provider's escalation contacts when a hop's deadline passes unanswered",
  },
  {
    name: 'HOPTRACE_STI_TRUST_ANCHORS',
    default: '—',
    meaning:
      'PEM bundle or STI-PA trust list (JSON) of the STI-CA roots Identity headers must chain to; without it no signature is fully trusted',
  },
  {
    name: 'HOPTRACE_IDEMPOTENCY_LEASE_MS',
    default: '`30000`',
    meaning:
      'how long a request holds its `Idempotency-Key` without renewing it (renewed every third of this while it runs): a retry of a request cut off by a crash runs once this has passed, and gets 409 with `Retry-After` before (decision 0019)',
  },
  {
    name: 'HOPTRACE_API_KEY_CACHE_SECONDS',
    default: '`5`',
    meaning:
      'how long a process trusts an API key it has checked (0 = look it up on every request); a key revoked or a user disabled in another process still works there for at most this long (decision 0009)',
  },
  {
    name: 'HOPTRACE_CALL_RETENTION_DAYS',
    default: '`0`',
    meaning:
      'call records older than this many days are dropped a month (partition) at a time and refused at import; `0` keeps them all; campaign counts and rollups stay',
  },
  {
    name: 'HOPTRACE_URGENT_HOURS',
    default: '`4`',
    meaning:
      "hours an urgent agency request's traceback gives each hop, counted from the request at any hour (the business-hours receipt rule does not apply); 1 to 72",
  },
  {
    name: 'HOPTRACE_SHAKEN_SIGNER_HOPS',
    default: '`auto`',
    meaning:
      '`auto`: a valid A or B signature opens a hop to its signer at once; `manual`: an analyst asks for it ("Ask the signer")',
  },
  {
    name: 'HOPTRACE_METRICS_TOKEN',
    default: '—',
    meaning:
      '`GET /metrics` answers only `Authorization: Bearer <this>`; without it the public port answers 404 and metrics are on the metrics port only',
  },
  {
    name: 'HOPTRACE_METRICS_PORT',
    default: '—',
    meaning:
      'also serve `/metrics`, `/api/v1/health` and `/api/v1/ready` on this port (`hoptrace start --metrics-port`), for any role, the worker too',
  },
  {
    name: 'HOPTRACE_METRICS_HOST',
    default: '`127.0.0.1`',
    meaning:
      'address of the metrics port; another than loopback wants `HOPTRACE_METRICS_TOKEN` (`hoptrace doctor` says so)',
  },
  {
    name: 'HOPTRACE_READY_SWEEP_MAX_AGE_S',
    default: '`120`',
    meaning:
      "`/api/v1/ready` answers 503 in a process whose worker's sweeps (reminders, overdue hops, outbox) have not succeeded for this many seconds",
  },
  {
    name: 'HOPTRACE_REQUIRE_MFA',
    default: '`none`',
    meaning:
      'who must set up a second factor (TOTP) at their next sign-in: `staff` (admins, analysts, enforcement users), `all` (provider users too), `none`. **Deployments: set `staff`** (the default lets the demo sign in with a password)',
  },
  {
    name: 'HOPTRACE_SECRET_KEY',
    default: '—',
    meaning:
      '32 random bytes (`openssl rand -base64 32`, or 64 hex digits): seals TOTP secrets and the evidence signing key in the database (AES-256-GCM). Set it in production and keep it with your backups: secrets sealed with a key the server no longer has only take recovery codes (or an admin reset); an evidence key sealed with a lost key cannot sign (rotate it: `hoptrace evidence rotate-key`)',
  },
  {
    name: 'HOPTRACE_SESSION_IDLE_MINUTES',
    default: '`60`',
    meaning: 'a session unused this long has ended (5 to 43200)',
  },
  {
    name: 'HOPTRACE_SESSION_MAX_HOURS',
    default: '`12`',
    meaning: 'a session ends this long after sign-in, however used (1 to 720)',
  },
  {
    name: 'HOPTRACE_AUDIT_HEAD_MINUTES',
    default: '`60`',
    meaning:
      "how often the worker publishes the audit ledger's head when it moved (in the log, and at `/api/v1/public/audit-head`); 1 to 10080",
  },
  {
    name: 'HOPTRACE_LEGAL_REMINDER_DAYS',
    default: '`7,2`',
    meaning:
      "days before a subpoena's or CID's due date that the worker emails admins and analysts (whole days, comma-separated)",
  },
  {
    name: 'HOPTRACE_RMD_SOURCE',
    default: '—',
    meaning:
      "where the worker re-imports the FCC's Robocall Mitigation Database export from: an absolute file path, or an `https://` URL (public addresses only); unset: no scheduled import. Downstream providers are then told of upstreams they named that are not in the RMD",
  },
  {
    name: 'HOPTRACE_RMD_EVERY_HOURS',
    default: '`24`',
    meaning:
      'how often the worker re-imports `HOPTRACE_RMD_SOURCE` (an unchanged file changes nothing); 1 to 720',
  },
  {
    name: 'HOPTRACE_API_KEY',
    default: '—',
    meaning: "`hoptrace agent`: the API key of one of the provider's users (`--api-key` overrides)",
  },
  {
    name: 'HOPTRACE_WEBHOOK_SECRET',
    default: '—',
    meaning:
      "`hoptrace agent --webhook-port`: the secret of the provider's webhook endpoint, to check the signature of what wakes it (`--webhook-secret` overrides)",
  },
];

export const SETTINGS_BEGIN =
  '<!-- settings:begin — generated from apps/server/src/settingsReference.ts by `npm run docs:settings`; edit it there -->';
export const SETTINGS_END = '<!-- settings:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The configuration table as Markdown (unaligned; Prettier aligns it). */
export function settingsTable(): string {
  return [
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...SETTINGS.map((s) => `| \`${s.name}\` | ${cell(s.default)} | ${cell(s.meaning)} |`),
  ].join('\n');
}
