import type { TPeerMap } from './decide';
import { normalizeSwitchNumber } from './numbers';
import { resolvePeer } from './peers';
import { RecordFileError, type RecordSource } from './records';
import { formatInZone } from './time';

export interface CheckReport {
  ok: boolean;
  source: string;
  /** What makes the agent unable to answer right: it must not start. */
  problems: string[];
  /** What it will hand to a person instead of answering (unmapped peers, unreadable numbers). */
  warnings: string[];
  columns: string[];
  sampled: number;
  range: { from: string; to: string; zone: string } | null;
  numbers: { readable: number; anonymous: number; unreadable: number; examples: string[] };
  unmappedPeers: string[];
  /** Sampled records that carry the Identity header the switch received. */
  identityHeaders: number;
}

/**
 * The start-up self-check: reads a sample of the records and says what the agent can and cannot
 * read in them. Any problem is a reason not to start (the caller exits non-zero).
 */
export async function checkRecords(
  source: RecordSource,
  peerMap: TPeerMap,
  sampleSize = 1000,
): Promise<CheckReport> {
  const report: CheckReport = {
    ok: false,
    source: source.label,
    problems: [],
    warnings: [],
    columns: [],
    sampled: 0,
    range: null,
    numbers: { readable: 0, anonymous: 0, unreadable: 0, examples: [] },
    unmappedPeers: [],
    identityHeaders: 0,
  };
  let sample;
  try {
    sample = await source.sample(sampleSize);
  } catch (err) {
    if (!(err instanceof RecordFileError)) throw err;
    report.problems.push(err.message);
    return report;
  }
  report.columns = sample.columns;
  report.sampled = sample.records.length;
  if (sample.range)
    report.range = {
      from: formatInZone(sample.range.from, source.zone),
      to: formatInZone(sample.range.to, source.zone),
      zone: source.zone,
    };
  if (!sample.records.length)
    report.warnings.push('no call records yet: every hop will go to a person until records cover its call');
  const unmapped = new Set<string>();
  for (const r of sample.records) {
    for (const raw of [r.callingNumber, r.calledNumber]) {
      const n = normalizeSwitchNumber(raw);
      if (n.ok) report.numbers.readable++;
      else if (n.anonymous) report.numbers.anonymous++;
      else {
        report.numbers.unreadable++;
        if (report.numbers.examples.length < 5 && !report.numbers.examples.includes(raw))
          report.numbers.examples.push(raw);
      }
    }
    if (r.identityHeader) report.identityHeaders++;
    const peer = r.inboundPeer.trim();
    if (!resolvePeer(peer, peerMap)) unmapped.add(peer);
  }
  report.unmappedPeers = [...unmapped].slice(0, 50);
  const total = report.numbers.readable + report.numbers.unreadable;
  // A called number is never anonymous: a sample without one readable number reads the wrong fields
  // (or none: Kamailio log lines whose extra names are not the ones given).
  if (report.sampled && report.numbers.readable === 0)
    report.problems.push(
      total
        ? `no number in the sample reads as a phone number (e.g. ${report.numbers.examples.join(', ')}): are these the number columns?`
        : 'no number in the sample reads as a phone number (all empty or anonymous): are these the number columns? (Kamailio: --mapping with its acc extra columns)',
    );
  else if (report.numbers.unreadable)
    report.warnings.push(
      `${report.numbers.unreadable} number(s) in the sample cannot be read (e.g. ${report.numbers.examples.join(', ')}): calls with them go to a person`,
    );
  if (unmapped.size)
    report.warnings.push(
      `${unmapped.size} inbound peer(s) the peer map does not name (${report.unmappedPeers.slice(0, 10).join(', ')}): calls from them go to a person`,
    );
  report.ok = report.problems.length === 0;
  return report;
}

/** The report as lines a person reads. */
export function formatCheckReport(r: CheckReport): string {
  const lines = [
    `records: ${r.source}`,
    ...(r.columns.length ? [`columns: ${r.columns.join(', ')}`] : []),
    `sampled: ${r.sampled} record(s)${r.range ? `, from ${r.range.from} to ${r.range.to} ${r.range.zone} time` : ''}`,
    `numbers: ${r.numbers.readable} readable, ${r.numbers.anonymous} anonymous, ${r.numbers.unreadable} unreadable`,
    `unmapped peers: ${r.unmappedPeers.length ? r.unmappedPeers.join(', ') : 'none'}`,
    ...(r.identityHeaders ? [`identity headers: ${r.identityHeaders} of ${r.sampled} record(s)`] : []),
    ...r.warnings.map((w) => `warning: ${w}`),
    ...r.problems.map((p) => `problem: ${p}`),
    r.ok ? 'check passed' : 'check FAILED: the agent will not start',
  ];
  return `${lines.join('\n')}\n`;
}
