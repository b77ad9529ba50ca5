import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TAttachment, THop, TTraceback } from '@hoptrace/contracts';
import { generateSecret, hashSecret } from '@hoptrace/core';
import { insertHopLink } from '@hoptrace/db';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * PDF evidence on hops: the raw file as the body, checked for the PDF magic and a size cap, recorded with its
 * SHA-256 on the timeline; read by staff and the hop's own provider (or its link), never another provider.
 */

const MAX = 64 * 1024;
const pdf = (text = 'LOA for Fictional Carrier') =>
  Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n`, 'latin1');

let h: Harness;
let p1: Awaited<ReturnType<Harness['provider']>>;
let p2: Awaited<ReturnType<Harness['provider']>>;
let enforcement: Caller;
let tb: TTraceback;
let hopId: string;

const upload = (caller: Caller, id: string, body: Buffer, name = 'LOA.pdf', type = 'application/pdf') =>
  caller.request({
    method: 'POST',
    url: `/api/v1/hops/${id}/attachments?name=${encodeURIComponent(name)}`,
    payload: body,
    headers: { 'content-type': type },
  });

beforeAll(async () => {
  h = await createHarness('2026-11-02T15:00:00Z', { attachmentMaxBytes: MAX });
  p1 = await h.provider();
  p2 = await h.provider();
  enforcement = await h.user('enforcement');
  tb = await h.openTraceback(p1.id);
  hopId = tb.hops[0]!.id;
});
afterAll(() => h.close());

describe('attachments', () => {
  it("the hop's provider uploads a PDF; it is listed on the hop and the traceback and on the timeline", async () => {
    const bytes = pdf();
    const res = await upload(p1.user, hopId, bytes, 'LOA March.pdf');
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json<TAttachment>();
    expect(a).toMatchObject({
      hopId,
      name: 'LOA March.pdf',
      contentType: 'application/pdf',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(res.headers.location).toBe(`/api/v1/attachments/${a.id}`);

    const hop = (await p1.user.get(`/api/v1/hops/${hopId}`)).json<THop>();
    expect(hop.attachments?.map((x) => x.id)).toEqual([a.id]);
    expect(hop.can.attach).toBe(true);
    const list = await p1.user.get(`/api/v1/hops/${hopId}/attachments`);
    expect(list.json<{ items: TAttachment[] }>().items).toEqual([a]);
    const staffView = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(staffView.hops[0]!.attachments).toEqual([a]);
    const events = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{
      items: Array<{ type: string; data: Record<string, unknown> }>;
    }>().items;
    const added = events.find((e) => e.type === 'hop.attachment_added');
    expect(added?.data).toMatchObject({ fileName: 'LOA March.pdf', size: bytes.length, sha256: a.sha256 });
  });

  it('downloads the identical bytes as an attachment, with the type and nosniff', async () => {
    const bytes = pdf('call record extract');
    const a = (await upload(h.analyst, hopId, bytes, 'cdr «extract».pdf')).json<TAttachment>();
    for (const caller of [h.analyst, p1.user]) {
      const res = await caller.get(`/api/v1/attachments/${a.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="cdr _extract_.pdf"; filename*=UTF-8''${encodeURIComponent('cdr «extract».pdf')}`,
      );
      expect(Buffer.compare(res.rawPayload, bytes)).toBe(0);
    }
  });

  it('takes the name from a Content-Disposition header and adds .pdf when missing', async () => {
    const res = await p1.user.request({
      method: 'POST',
      url: `/api/v1/hops/${hopId}/attachments`,
      payload: pdf(),
      headers: {
        'content-type': 'application/pdf',
        'content-disposition': 'attachment; filename="../contract"',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<TAttachment>().name).toBe('contract.pdf');
  });

  it('refuses a file that is not a PDF with 415, whatever its type says, and writes nothing', async () => {
    const before = (await h.analyst.get(`/api/v1/hops/${hopId}/attachments`)).json<{ items: unknown[] }>();
    expectProblem(await upload(p1.user, hopId, Buffer.from('GIF89a not a pdf')), 415, ['(body)']);
    expectProblem(await upload(p1.user, hopId, pdf(), 'x.pdf', 'image/png'), 415, ['header.content-type']);
    const json = await p1.user.post(`/api/v1/hops/${hopId}/attachments?name=a.pdf`, { pdf: true });
    expectProblem(json, 415, ['header.content-type']);
    const after = (await h.analyst.get(`/api/v1/hops/${hopId}/attachments`)).json<{ items: unknown[] }>();
    expect(after.items.length).toBe(before.items.length);
  });

  it('refuses a file over the cap with 413, an empty body or a missing name with 400', async () => {
    const big = Buffer.concat([pdf(), Buffer.alloc(MAX, 0x20)]);
    expectProblem(await upload(p1.user, hopId, big), 413);
    expectProblem(await upload(p1.user, hopId, Buffer.alloc(0)), 400);
    const nameless = await p1.user.request({
      method: 'POST',
      url: `/api/v1/hops/${hopId}/attachments`,
      payload: pdf(),
      headers: { 'content-type': 'application/pdf' },
    });
    expectProblem(nameless, 400, ['query.name']);
    expectProblem(await upload(p1.user, hopId, pdf(), `${'x'.repeat(250)}.pdf`), 400, ['query.name']);
  });

  it('another provider neither uploads, lists nor downloads (404); enforcement reads no hop here', async () => {
    const a = (await h.analyst.get(`/api/v1/hops/${hopId}/attachments`)).json<{ items: TAttachment[] }>()
      .items[0]!;
    expectProblem(await upload(p2.user, hopId, pdf()), 404);
    expectProblem(await p2.user.get(`/api/v1/hops/${hopId}/attachments`), 404);
    expectProblem(await p2.user.get(`/api/v1/attachments/${a.id}`), 404);
    // Enforcement sees the tracebacks visible to its agency; until referrals exist, none.
    expectProblem(await enforcement.get(`/api/v1/attachments/${a.id}`), 404);
    expectProblem(await h.anonymous({ method: 'GET', url: `/api/v1/attachments/${a.id}` }), 401);
    expectProblem(await p1.user.get('/api/v1/attachments/not-a-uuid'), 400, ['path.id']);
  });

  it('a one-hop link attaches to and reads its own hop only', async () => {
    const other = await h.openTraceback(p1.id);
    const token = generateSecret('hl');
    await insertHopLink(h.db, { hopId, tokenHash: hashSecret(token), createdAt: h.clock.now() });
    const auth = { authorization: `HopLink ${token}` };
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/v1/hops/${hopId}/attachments?name=link.pdf`,
      payload: pdf(),
      headers: { ...auth, 'content-type': 'application/pdf' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json<TAttachment>();
    const got = await h.app.inject({ method: 'GET', url: `/api/v1/attachments/${a.id}`, headers: auth });
    expect(got.statusCode).toBe(200);
    const elsewhere = await h.app.inject({
      method: 'POST',
      url: `/api/v1/hops/${other.hops[0]!.id}/attachments?name=link.pdf`,
      payload: pdf(),
      headers: { ...auth, 'content-type': 'application/pdf' },
    });
    expectProblem(elsewhere, 404);
    // An attachment of another hop, even of the same provider, is out of the link's reach.
    const theirs = (await upload(p1.user, other.hops[0]!.id, pdf())).json<TAttachment>();
    const refused = await h.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${theirs.id}`,
      headers: auth,
    });
    expectProblem(refused, 404);
  });

  it('answered hops still take evidence from their provider; a closed traceback takes none (409)', async () => {
    const t = await h.openTraceback(p2.id);
    const id = t.hops[0]!.id;
    const ans = await p2.user.post(`/api/v1/hops/${id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: p1.id,
    });
    expect(ans.statusCode, ans.body).toBe(200);
    expect((await upload(p2.user, id, pdf())).statusCode).toBe(201);
    const cancelled = await h.analyst.post(`/api/v1/tracebacks/${t.id}/actions`, { action: 'cancel' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expectProblem(await upload(p2.user, id, pdf()), 409);
    expect((await p2.user.get(`/api/v1/hops/${id}`)).json<THop>().can.attach).toBe(false);
  });
});
