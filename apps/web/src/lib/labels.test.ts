import type { TEvent } from '@hoptrace/contracts';
import { describe, expect, it } from 'vitest';
import { describeEvent, describeHours, formatGrowth, formatShare } from './labels';

const names: Record<string, string> = { p1: 'Fictional Tel', p2: 'Example Voice' };
const name = (id: string | undefined) => (id ? (names[id] ?? 'a provider') : 'a provider');
const event = (type: string, data: Record<string, unknown>): TEvent => ({
  id: 1,
  at: '2026-11-02T15:00:00Z',
  type,
  actor: 'analyst@example.test',
  hopId: null,
  data,
});

describe('describeEvent', () => {
  it.each([
    [event('traceback.opened', {}), 'Traceback opened'],
    [
      event('traceback.opened', { forward: { number: '+18885550142', campaignName: 'Warranty' } }),
      'Forward request opened: who is behind +1 888-555-0142, a callback number of the campaign Warranty',
    ],
    [
      event('hop.requested', { seq: 1, providerId: 'p2', providerName: 'Example Voice', forward: true }),
      'Asked Example Voice whose customer holds the number (hop 1)',
    ],
    [
      event('hop.answered', {
        kind: 'origin',
        providerId: 'p2',
        action: 'warned',
        via: 'api',
        forward: true,
      }),
      "Example Voice: the number is its customer's (Customer warned) via API",
    ],
    [
      event('hop.answered', { kind: 'not_found', providerId: 'p1', late: true, forward: true }),
      "Fictional Tel: the number is not its customer's, late",
    ],
    [
      event('hop.requested', { seq: 2, providerId: 'p2', providerName: 'Example Voice' }),
      'Asked Example Voice who handed over the call (hop 2)',
    ],
    [
      event('hop.answered', {
        kind: 'upstream',
        providerId: 'p1',
        upstreamProviderId: 'p2',
        via: 'portal',
        late: false,
      }),
      'Fictional Tel named Example Voice as its upstream via portal',
    ],
    [
      event('hop.answered', {
        kind: 'origin',
        providerId: 'p2',
        action: 'terminated',
        via: 'link',
        late: true,
      }),
      'Example Voice originated the call: Customer terminated via email link, late',
    ],
    [
      event('hop.answered', { kind: 'not_found', providerId: 'p1', via: 'api' }),
      'Fictional Tel has no record of the call via API',
    ],
    [event('hop.non_responsive', { providerId: 'p1' }), 'Fictional Tel did not answer by the deadline'],
    [
      event('hop.withdrawn', { providerId: 'p1', reason: 'reassigned' }),
      'Request to Fictional Tel withdrawn (reassigned)',
    ],
    [event('traceback.closed', { outcome: 'dead_end' }), 'Closed: Dead end'],
    [
      event('traceback.flagged', { flag: 'loop', providerId: 'p1' }),
      'Loop: Fictional Tel is already in the path',
    ],
    [
      event('provider.created', { providerId: 'p9', name: 'Unlisted Carrier', namedBy: 'p1' }),
      'Unlisted Carrier added to the directory (named by Fictional Tel, not yet verified)',
    ],
    [event('origin.viewed', {}), 'Customer details viewed'],
    [
      event('hop.requested', { seq: 3, line: 'signer', providerId: 'p2', providerName: 'Example Voice' }),
      "Asked Example Voice, the call's signer, to confirm where the call originated (hop 3)",
    ],
    [
      event('shaken.verified', { verdict: 'valid', attest: 'A', spc: '123J', signerProviderId: 'p2' }),
      'STIR/SHAKEN signature verified, attestation A, signed by Example Voice',
    ],
    [
      event('shaken.verified', { verdict: 'valid', attest: 'B', spc: '999Z', signerProviderId: null }),
      'STIR/SHAKEN signature verified, attestation B, SPC 999Z not in the directory',
    ],
    [
      event('shaken.verified', { verdict: 'invalid', sipCode: 438, reason: 'signature does not verify' }),
      'STIR/SHAKEN signature invalid (SIP 438): signature does not verify',
    ],
    [
      event('shaken.verified', { verdict: 'error', reason: 'certificate unreachable' }),
      'STIR/SHAKEN signature could not be verified: certificate unreachable',
    ],
    [
      event('traceback.flagged', { flag: 'shaken_signer_not_origin', signerProviderId: 'p2' }),
      'Flagged: Signer is not the origin',
    ],
    [event('traceback.flagged', { flag: 'something_new' }), 'Flagged: something_new'],
    [
      event('provider.merged', {
        fromProviderId: 'p9',
        fromName: 'Fictional Tel LLC',
        intoProviderId: 'p1',
        intoName: 'Fictional Tel',
      }),
      'Fictional Tel LLC merged into Fictional Tel (a duplicate directory entry)',
    ],
    [
      event('hop.attachment_added', { fileName: 'loa.pdf', size: 20480, sha256: 'ab' }),
      'PDF attached: loa.pdf (20 KB)',
    ],
    [event('link.used', { action: 'view' }), 'Email link opened'],
    [event('link.used', { action: 'answer' }), 'Answer sent through the email link'],
    [event('traceback.referred', { agency: 'FCC' }), 'Referred to FCC'],
    [
      event('evidence.built', { packageId: 'p', manifestSha256: 'ab'.repeat(32), scope: 'traceback' }),
      'Evidence package built; manifest SHA-256 abababababababab…',
    ],
    [event('notice.sent', {}), 'notice sent'],
  ])('%#: %s', (e, text) => {
    expect(describeEvent(e, name)).toBe(text);
  });
});

describe('describeHours', () => {
  it('reads a provider calendar as a sentence', () => {
    expect(
      describeHours({ days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: 'us-federal' }),
    ).toBe('Mon–Fri 08:00–17:00, closed on US federal holidays');
    expect(
      describeHours({ days: [7, 1, 2, 3, 4, 5, 6], open: '00:00', close: '24:00', holidays: 'none' }),
    ).toBe('Every day 00:00–24:00');
    expect(describeHours({ days: [6, 2], open: '09:30', close: '12:00', holidays: 'none' })).toBe(
      'Tue, Sat 09:30–12:00',
    );
  });
});

describe('formatGrowth and formatShare', () => {
  it.each([
    [null, 'new'],
    [0.354, '+35%'],
    [-0.1, '−10%'],
    [0.001, '0%'],
    [2, '+200%'],
  ])('growth %s reads %s', (g, text) => expect(formatGrowth(g)).toBe(text));
  it('share', () => {
    expect(formatShare(null)).toBe('—');
    expect(formatShare(0.876)).toBe('88%');
  });
});
