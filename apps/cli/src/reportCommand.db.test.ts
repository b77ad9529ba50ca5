import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { systemClock } from '@hoptrace/core';
import { ZAnnualReport, type TPublicStatistics } from '@hoptrace/contracts';
import { openDatabase, schema, type Db } from '@hoptrace/db';
import { buildApp } from '@hoptrace/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-report-'));
const dataDir = join(dir, 'data');
const env = { ...process.env, HOPTRACE_DATA_DIR: dataDir, DATABASE_URL: '' };
/** The last year that has ended by the real clock the CLI runs on. */
const YEAR = new Date().getUTCFullYear() - 1;
const H = 3600_000;

async function hoptrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The grey levels of an 8-bit greyscale or RGB PNG as pdftoppm writes it, its filters undone (PNG spec §9). */
function grayPixels(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 1;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      expect([0, 2]).toContain(data[9]);
      channels = data[9] === 2 ? 3 : 1;
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const bytes = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? bytes[y * stride + x - channels]! : 0;
      const b = y > 0 ? bytes[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? bytes[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter]!;
      bytes[y * stride + x] = (v + pred) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[i * channels]!;
  return { width, height, pixels };
}

async function seed(db: Db) {
  const [alpha, beta, gamma] = await db
    .insert(schema.providers)
    .values([
      { name: 'Fictional Alpha Telecom' },
      { name: 'Fictional Beta Voice' },
      { name: 'Fictional Gamma Carrier' },
    ])
    .returning();
  const at = (iso: string) => new Date(iso);
  const opened = at(`${YEAR}-04-02T10:00:00Z`);
  const [t1] = await db
    .insert(schema.tracebacks)
    .values({
      status: 'closed',
      outcome: 'origin_identified',
      callStartedAt: opened,
      callingNumber: '+12025550101',
      calledNumber: '+13125550188',
      firstProviderId: alpha!.id,
      openedAt: opened,
      closedAt: new Date(opened.getTime() + 10 * H),
      updatedAt: opened,
    })
    .returning();
  type HopInsert = typeof schema.hops.$inferInsert;
  const hop = (
    tracebackId: string,
    seq: number,
    providerId: string,
    extra: Pick<HopInsert, 'status'> & Partial<HopInsert>,
  ): HopInsert => ({
    tracebackId,
    seq,
    providerId,
    requestedAt: opened,
    receivedAt: opened,
    dueAt: new Date(opened.getTime() + 24 * H),
    ...extra,
  });
  const [, originHop] = await db
    .insert(schema.hops)
    .values([
      hop(t1!.id, 1, alpha!.id, {
        status: 'answered',
        answeredAt: opened,
        answerKind: 'upstream',
        upstreamProviderId: beta!.id,
      }),
      hop(t1!.id, 2, beta!.id, { status: 'answered', answeredAt: opened, answerKind: 'origin' }),
    ])
    .returning();
  await db.insert(schema.origins).values({
    hopId: originHop!.id,
    tracebackId: t1!.id,
    customerName: 'Fictional Dialer',
    action: 'warned',
  });
  const [t2] = await db
    .insert(schema.tracebacks)
    .values({
      status: 'closed',
      outcome: 'non_responsive',
      callStartedAt: opened,
      callingNumber: '+12025550102',
      calledNumber: '+13125550188',
      firstProviderId: gamma!.id,
      openedAt: at(`${YEAR}-05-02T10:00:00Z`),
      closedAt: at(`${YEAR}-05-03T16:00:00Z`),
      updatedAt: opened,
    })
    .returning();
  await db.insert(schema.hops).values(hop(t2!.id, 1, gamma!.id, { status: 'non_responsive' }));
}

let api: TPublicStatistics;
beforeAll(async () => {
  expect((await hoptrace('migrate')).code).toBe(0);
  const database = await openDatabase({ dataDir });
  try {
    await seed(database.db);
    const app = await buildApp({ db: database.db, clock: systemClock });
    const res = await app.inject({ method: 'GET', url: `/api/v1/public/statistics?year=${YEAR}` });
    expect(res.statusCode, res.body).toBe(200);
    api = res.json<TPublicStatistics>();
    await app.close();
  } finally {
    await database.close();
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hoptrace report annual', { timeout: 180_000 }, () => {
  it('writes JSON a program reads: the schema holds and the figures are the API figures', async () => {
    const res = await hoptrace('report', 'annual', '--year', String(YEAR), '--out', 'report.json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('2 tracebacks, 2 providers took part, 1 did not');
    const report = ZAnnualReport.parse(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')));
    expect({ ...report.statistics, generatedAt: '' }).toEqual({ ...api, generatedAt: '' });
    expect(api).toMatchObject({
      tracebacks: 2,
      providersIdentified: 3,
      averageHops: 1.5,
      medianHoursToOutcome: 20,
    });
    expect(report.didNotParticipate).toEqual([
      expect.objectContaining({
        name: 'Fictional Gamma Carrier',
        nonResponsive: 1,
        reasons: [{ reason: 'did not answer a traceback request by its deadline', count: 1 }],
      }),
    ]);
    expect(report.participated.map((p) => p.name)).toEqual([
      'Fictional Alpha Telecom',
      'Fictional Beta Voice',
    ]);
  });

  it('writes a PDF a person reads: text with the figures, a first page that is not blank', async () => {
    const res = await hoptrace('report', 'annual', '--year', String(YEAR), '--out', 'report.pdf');
    expect(res.code, res.stderr).toBe(0);
    const pdf = join(dir, 'report.pdf');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const { stdout: text } = await run('pdftotext', ['-layout', pdf, '-']);
    expect(text).toContain(`Traceback annual report ${YEAR}`);
    expect(text).toMatch(/Tracebacks\s+2\b/);
    expect(text).toMatch(/Average hops\s+1\.5\b/);
    expect(text).toMatch(/Callers warned or terminated\s+100\.0%/);
    expect(text).toMatch(/Median hours to outcome\s+20\.0\b/);
    expect(text).toContain('Fictional Gamma Carrier');
    // A table cell wraps: read in reading order with the line breaks folded.
    const { stdout: flowing } = await run('pdftotext', [pdf, '-']);
    expect(flowing.replace(/\s+/g, ' ')).toContain('did not answer a traceback request by its deadline (1)');
    expect(text).toMatch(/page 1 of \d/);
    await run('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', pdf, join(dir, 'page')]);
    const png = readFileSync(
      join(
        dir,
        (await import('node:fs')).readdirSync(dir).find((f) => f.startsWith('page'))!,
      ),
    );
    const { width, height, pixels } = grayPixels(png);
    expect(width).toBeGreaterThan(300);
    expect(height).toBeGreaterThan(400);
    const dark = pixels.filter((v) => v < 160).length / pixels.length;
    expect(dark).toBeGreaterThan(0.01);
    expect(dark).toBeLessThan(0.5);
  });

  it('refuses a bad year or file name with exit code 2; publishing makes the report say published', async () => {
    const badName = await hoptrace('report', 'annual', '--year', String(YEAR), '--out', 'report.txt');
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('--out must end in .pdf or .json');
    const future = await hoptrace('report', 'annual', '--year', String(YEAR + 5), '--out', 'r.json');
    expect(future.code).toBe(2);
    expect(future.stderr).toContain('year must be between');
    const published = await hoptrace('statistics', 'publish', String(YEAR));
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain(`published: ${YEAR}, ${YEAR}-01`);
    await hoptrace('report', 'annual', '--year', String(YEAR), '--out', 'report.json');
    const report = ZAnnualReport.parse(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')));
    expect(report.statistics.status).toBe('published');
    expect(report.statistics.tracebacks).toBe(2);
  });
});
