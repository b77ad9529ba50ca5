import type { TEvidenceManifest, TEvidenceTracebackFile } from '@hoptrace/contracts';
import PDFDocument from 'pdfkit';

/**
 * report.pdf: a readable case file, one section per traceback (each from a new page): the call, the path
 * hop by hop (requested / answered, who answered through which channel, the provider's RMD standing at
 * the time of the call), the origin and the action taken, the STIR/SHAKEN result, the timeline. It says
 * what traceback.json says, for a person; the JSON is the record a program reads.
 */

type Header = Pick<TEvidenceManifest, 'packageId' | 'builtAt' | 'builtBy' | 'key' | 'scope' | 'campaignId'>;

/** The PDF's standard fonts write Windows-1252 only: anything else would print as garbage, so mark it. */
const printable = (s: string): string => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

const when = (iso: string | null | undefined): string =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '-';

const CHANNELS: Record<string, string> = {
  api: 'the API',
  portal: 'the portal',
  link: 'a one-hop link',
  bulk: 'a bulk answer file',
  agent: 'the provider agent',
  staff: 'consortium staff',
};

const RMD: Record<string, string> = {
  filed: 'filed in the RMD',
  removed: 'REMOVED from the RMD',
  absent: 'ABSENT from the RMD',
};

export async function renderReport(header: Header, cases: TEvidenceTracebackFile[]): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: 54,
    info: {
      Title: `hoptrace evidence package ${header.packageId}`,
      Author: printable(header.builtBy.label),
      Creator: 'hoptrace',
      CreationDate: new Date(header.builtAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const text = (s: string, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(printable(s), opts);
  const heading = (s: string) => {
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12);
    text(s);
    doc.font('Helvetica').fontSize(9.5).moveDown(0.2);
  };
  const field = (label: string, value: string) => {
    doc.font('Helvetica-Bold').text(printable(`${label}: `), { continued: true });
    doc.font('Helvetica');
    text(value);
  };

  cases.forEach((c, i) => {
    if (i > 0) doc.addPage();
    const t = c.traceback;
    doc.font('Helvetica').fontSize(8).fillColor('#555555');
    text(
      `hoptrace evidence package ${header.packageId} - built ${when(header.builtAt)} by ${header.builtBy.label} - ` +
        `signed with key ${header.key.fingerprint.slice(0, 16)}... - case ${i + 1} of ${cases.length}`,
    );
    doc.fillColor('#000000').moveDown(0.5).font('Helvetica-Bold').fontSize(16);
    text(`Traceback ${t.id}`);
    doc.font('Helvetica').fontSize(9.5);

    heading('The call');
    field('Time', when(t.call.startedAt));
    field('Calling number (caller ID)', t.call.callingNumber);
    field('Called number', t.call.calledNumber);
    field('Kind', t.kind === 'forward' ? 'forward request (who holds the number)' : 'traceback of a call');
    if (t.campaignId) field('Campaign', t.campaignId);
    field('Opened', when(t.openedAt));
    field('Status', `${t.status}${t.outcome ? ` (${t.outcome.replace(/_/g, ' ')})` : ''}`);
    if (t.closedAt) field('Closed', when(t.closedAt));
    if (t.entryPointProviderId)
      field(
        'US entry point (gateway)',
        t.hops.find((h) => h.providerId === t.entryPointProviderId)?.providerName ?? t.entryPointProviderId,
      );
    if (t.flags.length) field('Flags', t.flags.join(', '));
    if (t.note) field('Note', t.note);

    heading('The path, hop by hop');
    for (const h of t.hops) {
      doc.font('Helvetica-Bold');
      text(`${h.line === 'path' ? 'Hop' : `${h.line} line, hop`} ${h.seq}: ${h.providerName}`);
      doc.font('Helvetica');
      const answer = !h.answer
        ? 'no answer'
        : h.answer.kind === 'upstream'
          ? `upstream: ${t.hops.find((x) => x.namedByHopId === h.id)?.providerName ?? h.answer.upstreamProviderId ?? 'named'}`
          : h.answer.kind === 'origin'
            ? `origin: our customer${h.answer.action ? ` (action: ${h.answer.action})` : ''}`
            : 'not found: no record of the call';
      text(
        `  Requested ${when(h.requestedAt)}; received ${when(h.receivedAt)}; due ${when(h.dueAt)}; ` +
          `answered ${when(h.answeredAt)}${h.answeredVia ? ` through ${CHANNELS[h.answeredVia] ?? h.answeredVia}` : ''}` +
          `${h.late ? ' (late)' : ''}.`,
      );
      text(
        `  Status: ${h.status.replace(/_/g, ' ')}. Answer: ${answer}.${h.answer?.comment ? ` Comment: ${h.answer.comment}` : ''}`,
      );
      text(
        `  RMD at the time of the call: ${h.rmd ? `${RMD[h.rmd.status] ?? h.rmd.status}${h.rmd.flagged ? ' (red flag)' : ''}` : 'no RMD import to compare with'}.`,
      );
      if (h.received) text(`  ${receivedLine(h.received)}`);
      for (const a of c.attachments.filter((x) => x.hopId === h.id))
        text(`  Attachment ${a.path} (${a.size} bytes, SHA-256 ${a.sha256})`);
    }

    heading('Origin');
    if (t.origin) {
      const provider = t.hops.find((h) => h.id === t.origin!.hopId)?.providerName ?? t.origin.providerId;
      field('Originating provider', provider);
      field('Customer', t.origin.customer.name);
      if (t.origin.customer.address) field('Address', t.origin.customer.address);
      if (t.origin.customer.contact) field('Contact', t.origin.customer.contact);
      if (t.origin.customer.accountRef) field('Account', t.origin.customer.accountRef);
      field('Action taken', t.origin.action);
    } else text(t.outcome === 'origin_identified' ? 'Identified (details not included).' : 'Not identified.');
    if (t.signerOrigin) {
      field('The signer claims as its customer', t.signerOrigin.customer.name);
      field('Signer action', t.signerOrigin.action);
    }

    heading('STIR/SHAKEN');
    if (t.shaken) {
      const s = t.shaken;
      field('Verdict', `${s.verdict}${s.reason ? ` (${s.reason})` : ''}, verified ${when(s.verifiedAt)}`);
      field('Attestation', s.attest ?? '-');
      field('orig.tn / dest.tn', `${s.origTn ?? '-'} / ${s.destTns.join(', ') || '-'}`);
      field(
        'Signer',
        s.signer ? `${s.signer.name} (SPC ${s.spc ?? '-'})` : `SPC ${s.spc ?? '-'}, not in the directory`,
      );
      if (s.inconsistencies.length) field('Inconsistencies', s.inconsistencies.join(', '));
    } else text('The traceback carries no Identity header.');

    heading('Timeline');
    doc.fontSize(8.5);
    for (const e of c.timeline) {
      const data = JSON.stringify(e.data);
      text(
        `${when(e.at)}  ${e.type}  ${e.actor}${data !== '{}' ? `  ${data.length > 160 ? `${data.slice(0, 157)}...` : data}` : ''}`,
      );
    }
  });
  doc.end();
  return done;
}

/** What the hop's provider received with the call (decision 0034), in one line. */
function receivedLine(
  r: NonNullable<TEvidenceTracebackFile['traceback']['hops'][number]['received']>,
): string {
  const header =
    r.identity === 'none'
      ? 'no Identity header'
      : r.identity === null
        ? 'Identity header not reported'
        : `an Identity header signed${r.attest ? ` (${r.attest})` : ''} by ${r.signer?.name ?? (r.spc ? `SPC ${r.spc}` : 'an unknown signer')}, ${r.verdict ?? 'not checked'}`;
  const numbers = [r.fromNumber && `From ${r.fromNumber}`, r.paiNumber && `PAI ${r.paiNumber}`].filter(
    Boolean,
  );
  const flags = r.flags.map((f) => f.code).join(', ');
  return `Received with the call: ${header}${numbers.length ? `; ${numbers.join(', ')}` : ''}.${flags ? ` Flags: ${flags}.` : ''}`;
}
