import { parseCallRecord, ZCallRecordInput } from '@hoptrace/contracts';
import { describe, expect, it } from 'vitest';
import { decide, type TPeerMap } from './agent/decide';
import { MemoryRecords } from './agent/records';
import { truthFor } from './calls';
import {
  defaultHoneypotSources,
  generateHoneypotFeed,
  honeypotCalls,
  planActivity,
  staggeredActivity,
  type HoneypotOptions,
} from './honeypot';
import { buildNetwork, type SimProvider } from './network';
import { createSimShaken, createSimVerifier } from './shaken';

const network = buildNetwork({ seed: 20261123 });
const sources = defaultHoneypotSources(network);
const week: Pick<HoneypotOptions, 'from' | 'to'> = {
  from: new Date('2026-11-16T00:00:00Z'),
  to: new Date('2026-11-23T00:00:00Z'),
};
const shaken = createSimShaken(network);
const feed = generateHoneypotFeed(network, { sources, ...week, count: 6000, shaken });
const bySource = (name: string) => feed.calls.filter((c) => c.source === name);
const ofCampaign = (key: string) => feed.calls.filter((c) => c.truth.campaignKey === key);
/** The header without its ECDSA signature, the one part that differs between runs. */
const unsigned = (header: string | null) => header?.replace(/^([^.]+\.[^.]+)\.[^;]+/, '$1');

describe('the honeypot feed', () => {
  it('is the same for the same seed (but for signature bytes) and differs for another', () => {
    const again = generateHoneypotFeed(network, { sources, ...week, count: 6000, shaken });
    expect(
      again.calls.map((c) => ({ ...c.record, identityHeader: unsigned(c.record.identityHeader) })),
    ).toEqual(feed.calls.map((c) => ({ ...c.record, identityHeader: unsigned(c.record.identityHeader) })));
    expect(again.calls.map((c) => c.truth)).toEqual(feed.calls.map((c) => c.truth));
    expect(again.records).toEqual(feed.records);
    const other = generateHoneypotFeed(network, { sources, ...week, count: 6000, shaken: null, seed: 5 });
    expect(other.calls.map((c) => c.record.transcript)).not.toEqual(
      feed.calls.map((c) => c.record.transcript),
    );
  });

  it('streams the same records without keeping provider records', () => {
    const streamed = [...honeypotCalls(network, { sources, ...week, count: 6000, shaken: null })];
    expect(streamed.map((c) => c.record.transcript)).toEqual(feed.calls.map((c) => c.record.transcript));
    expect(streamed.map((c) => c.truth.simCall.path)).toEqual(feed.calls.map((c) => c.truth.simCall.path));
  });

  it('delivers valid records, unique per source, in time order, within the period', () => {
    expect(feed.calls).toHaveLength(6000);
    for (const { record } of feed.calls) {
      const zod = ZCallRecordInput.safeParse(record);
      expect(zod.success, JSON.stringify(zod.error?.issues)).toBe(true);
      const parsed = parseCallRecord(record);
      expect(parsed.ok, JSON.stringify(parsed.ok ? null : parsed.errors)).toBe(true);
      expect(record.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    for (const s of sources) {
      const ids = bySource(s.name).map((c) => c.record.externalId);
      expect(new Set(ids).size).toBe(ids.length);
      const times = bySource(s.name).map((c) => c.record.startedAt);
      expect(times).toEqual([...times].sort());
      expect(new Set(bySource(s.name).map((c) => c.record.kind))).toEqual(new Set([s.kind ?? 'honeypot']));
    }
    const at = feed.calls.map((c) => Date.parse(c.record.startedAt));
    expect(Math.min(...at)).toBeGreaterThanOrEqual(week.from.getTime());
    expect(Math.max(...at)).toBeLessThan(week.to.getTime());
  });

  it("routes every call to its source's provider, on the honeypot's own numbers", () => {
    for (const s of sources) {
      const npa = network.byKey.get(s.terminatingProviderKey)!.npa!;
      const calls = bySource(s.name);
      expect(calls.length).toBeGreaterThan(500);
      for (const c of calls) {
        expect(c.truth.simCall.path.at(-1)).toBe(s.terminatingProviderKey);
        expect(c.truth.simCall.path[0]).toBe(
          c.truth.campaignKey ? campaignOf(c.truth.campaignKey).originProviderKey : c.truth.simCall.path[0],
        );
        expect(c.record.calledNumber).toMatch(new RegExp(`^\\+1${npa}5550(1\\d\\d)$`));
        expect(c.record.calledNumber).toBe(c.truth.simCall.calledNumber);
      }
      expect(new Set(calls.map((c) => c.record.calledNumber)).size).toBeLessThanOrEqual(s.numbers ?? 40);
    }
    // Sources never share a number.
    const owner = new Map<string, string>();
    for (const c of feed.calls) {
      expect(owner.get(c.record.calledNumber) ?? c.source).toBe(c.source);
      owner.set(c.record.calledNumber, c.source);
    }
  });

  it('leaves a record at every provider on the path, from which its agent answers the traceback', async () => {
    const peerMapOf = (p: SimProvider): TPeerMap => ({
      peers: Object.fromEntries(Object.entries(p.trunkFrom).map(([key, trunk]) => [trunk, key])),
      customers: Object.fromEntries(p.customers.map((c) => [c.trunk, { name: c.key }])),
      originAction: 'investigating',
    });
    const lookups = new Map([...feed.records].map(([key, list]) => [key, new MemoryRecords(list)]));
    let answered = 0;
    let asked = 0;
    for (const { truth } of feed.calls) {
      const call = truth.simCall;
      const hop = {
        startedAt: call.startedAt.toISOString(),
        callingNumber: call.callingNumber,
        calledNumber: call.calledNumber,
      };
      for (const key of call.path) {
        const p = network.byKey.get(key)!;
        const found = await lookups
          .get(key)!
          .lookup(hop, { toleranceSeconds: 10, coverageSeconds: 30 * 86_400 });
        const decision = decide(found, peerMapOf(p), 10, hop);
        const expected = truthFor(network, call, key);
        if (decision.action === 'ask_person') {
          asked++;
          continue;
        }
        answered++;
        const a = decision.answer;
        if (expected.kind === 'upstream')
          expect(a).toMatchObject({ upstreamProviderId: expected.providerKey });
        else if (expected.kind === 'origin')
          expect(a).toMatchObject({ customer: { name: expected.customerKey } });
        else expect(p.kind).toBe('foreign');
      }
    }
    // A caller ID reused within seconds to the same number can leave two records: a person decides.
    expect(asked / (answered + asked)).toBeLessThan(0.01);
  });

  it('spoofs caller IDs as each campaign does: neighbour, a small pool, fresh numbers, withheld', () => {
    for (const c of network.campaigns) {
      const calls = ofCampaign(c.key);
      const shown = calls.map((x) => x.record.callingNumber).filter((n): n is string => n !== null);
      for (const x of calls) expect(x.truth.withheld).toBe(x.record.callingNumber === null);
      if (c.callerId.kind === 'neighbour')
        for (const x of calls.filter((y) => y.record.callingNumber)) {
          // Same NPA-NXX (+1 NPA 555), another line.
          expect(x.record.callingNumber!.slice(0, 8)).toBe(x.record.calledNumber.slice(0, 8));
          expect(x.record.callingNumber).not.toBe(x.record.calledNumber);
        }
      else if (c.callerId.kind === 'pool') {
        expect(new Set(shown).size).toBeLessThanOrEqual(c.callerId.numbers.length);
        for (const n of shown) expect(c.callerId.numbers).toContain(n);
      } else if (shown.length >= 40) expect(new Set(shown).size).toBeGreaterThan(shown.length / 3);
      if (c.withheldShare >= 0.5 && calls.length >= 20)
        expect(calls.length - shown.length).toBeGreaterThan(calls.length / 3);
    }
    const neighbours = network.campaigns.filter((c) => c.callerId.kind === 'neighbour');
    expect(neighbours.reduce((s, c) => s + ofCampaign(c.key).length, 0)).toBeGreaterThan(50);
  });

  it('varies volume by campaign: heavy-tailed, growing, stopping, and one new in the last day', () => {
    const activity = planActivity(network, { ...week });
    const counts = network.campaigns.map((c) => ofCampaign(c.key).length).sort((a, b) => b - a);
    expect(counts[0]!).toBeGreaterThan(5 * counts.at(-1)!);
    const half = (week.from.getTime() + week.to.getTime()) / 2;
    for (const a of activity) {
      const times = ofCampaign(a.campaignKey).map((c) => Date.parse(c.record.startedAt));
      expect(times.every((t) => t >= a.startsAt.getTime() && t < a.endsAt.getTime())).toBe(true);
      if (a.shape === 'new') {
        expect(a.startsAt.getTime()).toBeGreaterThanOrEqual(week.to.getTime() - 86_400_000);
        expect(times.length).toBeGreaterThan(30);
      }
      if (a.shape === 'stopping') expect(a.endsAt.getTime()).toBeLessThan(week.to.getTime());
      if (a.shape === 'growing' && times.length > 100)
        expect(times.filter((t) => t >= half).length).toBeGreaterThan(
          1.3 * times.filter((t) => t < half).length,
        );
    }
    expect(new Set(activity.map((a) => a.shape))).toEqual(
      new Set(['steady', 'growing', 'stopping', 'late', 'new']),
    );
    // One-off calls and wanted calls come in too.
    const background = feed.calls.filter((c) => c.truth.campaignKey === null);
    expect(background.length / feed.calls.length).toBeGreaterThan(0.03);
    expect(background.every((c) => !c.truth.legitimate && c.truth.variant === null)).toBe(true);
    const wanted = feed.calls.filter((c) => c.truth.legitimate);
    expect(new Set(wanted.map((c) => c.truth.campaignKey))).toEqual(
      new Set(network.legitimate.map((c) => c.key)),
    );
  });

  it('transcribes in the campaign language, with some silent calls', () => {
    const spanish = network.campaigns.find((c) => c.language === 'es')!;
    const heard = ofCampaign(spanish.key).filter((c) => c.record.transcript);
    expect(heard.length).toBeGreaterThan(10);
    expect(heard.every((c) => c.record.language === 'es')).toBe(true);
    const silent = feed.calls.filter((c) => c.record.transcript === null);
    expect(silent.length).toBeGreaterThan(20);
    expect(silent.every((c) => c.record.language === null && c.record.durationSeconds < 10)).toBe(true);
    expect(feed.calls.filter((c) => c.record.transcript !== c.truth.script).length).toBeGreaterThan(3000);
  });

  it('gives the clean script as transcript at noise level 0', () => {
    const clean = generateHoneypotFeed(network, {
      sources,
      ...week,
      count: 2000,
      shaken: null,
      noise: { level: 0 },
    });
    for (const c of clean.calls) expect(c.record.transcript).toBe(c.truth.script);
    // Only the transcripts change with the noise level.
    const noisy = generateHoneypotFeed(network, { sources, ...week, count: 2000, shaken: null });
    expect(noisy.calls.map((c) => c.truth)).toEqual(clean.calls.map((c) => c.truth));
  });

  it('fingerprints audio only where the feed does: one fingerprint per recording', () => {
    const east = sources.find((s) => s.audioFingerprints)!;
    for (const c of feed.calls) if (c.source !== east.name) expect(c.record.audioFingerprint).toBeNull();
    const printed = bySource(east.name).filter((c) => c.record.audioFingerprint);
    expect(printed.length / bySource(east.name).length).toBeGreaterThan(0.6);
    const byRecording = new Map<string, Set<string>>();
    for (const c of printed.filter((x) => x.truth.campaignKey)) {
      const key = `${c.truth.campaignKey}:${c.truth.variant}`;
      byRecording.set(key, (byRecording.get(key) ?? new Set()).add(c.record.audioFingerprint!));
    }
    for (const prints of byRecording.values()) expect(prints.size).toBe(1);
    const distinct = new Set([...byRecording.values()].map((s) => [...s][0]));
    expect(distinct.size).toBe(byRecording.size);
  });

  it('carries Identity headers where the feed keeps them, signed as planned, attestation by campaign', async () => {
    const keeps = new Set(sources.filter((s) => s.identityHeaders !== false).map((s) => s.name));
    for (const c of feed.calls) {
      if (!keeps.has(c.source) || !c.truth.simCall.signature) expect(c.record.identityHeader).toBeNull();
      else
        expect(c.record.identityHeader).toMatch(/^eyJ[^;]+;info=<https:\/\/sti-cr\.sim\.hoptrace\.example/);
    }
    const verifier = createSimVerifier(shaken);
    const sample = feed.calls
      .filter((c) => c.record.identityHeader && c.truth.simCall.signature?.certificate === 'valid')
      .filter((c) => !c.truth.simCall.signature!.forged)
      .slice(0, 20);
    for (const c of sample) {
      const r = await verifier.verifyIdentity({
        identity: c.record.identityHeader!,
        callTime: c.truth.simCall.startedAt,
        orig: c.truth.simCall.callingNumber,
        dest: c.record.calledNumber,
      });
      expect(r.ok, JSON.stringify(r.problems)).toBe(true);
      expect(r.spc).toBe(network.byKey.get(c.truth.simCall.signature!.signerKey)!.ocn);
    }
    // Signed by their origin, campaigns differ in how their provider attests them.
    const aShare = network.campaigns
      .filter((c) => !c.foreign)
      .map((c) => {
        const signed = ofCampaign(c.key).filter(
          (x) => x.truth.simCall.signature?.signerKey === c.originProviderKey,
        );
        return (
          signed.filter((x) => x.truth.simCall.signature!.attest === 'A').length / Math.max(1, signed.length)
        );
      });
    expect(Math.max(...aShare) - Math.min(...aShare)).toBeGreaterThan(0.5);
  });
  it('starts campaigns one by one in business hours, and calls none before its start', () => {
    const days = { from: new Date('2026-06-01T12:00:00Z'), to: new Date('2026-06-04T12:00:00Z') };
    const activity = staggeredActivity(network, days);
    const starts = activity.map((a) => a.startsAt.getTime());
    // Spread out: several different hours on more than one day, all in the first 70% of the period.
    expect(new Set(starts).size).toBeGreaterThan(network.campaigns.length / 2);
    expect(new Set(activity.map((a) => a.startsAt.toISOString().slice(0, 10))).size).toBeGreaterThan(1);
    for (const a of activity) {
      expect(a.startsAt.getTime()).toBeLessThanOrEqual(days.from.getTime() + 0.7 * 3 * 86_400_000);
      const eastern = (a.startsAt.getUTCHours() + 19) % 24;
      expect(eastern).toBeGreaterThanOrEqual(9);
      expect(eastern).toBeLessThanOrEqual(16);
    }
    const staggered = generateHoneypotFeed(network, {
      sources,
      ...days,
      count: 3000,
      shaken: null,
      activity,
    });
    for (const a of activity) {
      const calls = staggered.calls.filter((c) => c.truth.campaignKey === a.campaignKey);
      expect(calls.length, a.campaignKey).toBeGreaterThan(0);
      expect(Date.parse(calls[0]!.record.startedAt)).toBeGreaterThanOrEqual(a.startsAt.getTime());
    }
    expect(() =>
      generateHoneypotFeed(network, { sources, ...days, count: 10, activity: activity.slice(1) }),
    ).toThrow(/one entry per campaign/);
  });
});

function campaignOf(key: string) {
  return [...network.campaigns, ...network.legitimate].find((c) => c.key === key)!;
}
