import type { TAnnualReport, TKeyMetrics } from '@hoptrace/contracts';
import { providerParticipationOfYear } from '@hoptrace/db';
import PDFDocument from 'pdfkit';
import type { CommandContext } from '../context';
import { authorize, policy } from '../policies';
import { publicStatistics } from '../queries/statistics';

/**
 * The yearly report of the TRACED Act §13 (decision 0028): the key metrics (the public statistics of
 * the year, as the API serves them), the providers that took part in the year's tracebacks and those
 * that did not, with the reasons recorded. It names providers, so it is for staff (and the CLI).
 */
export async function annualReport(ctx: CommandContext & { year: number }): Promise<TAnnualReport> {
  authorize(policy.readStatistics(ctx.actor), 'route');
  const statistics = await publicStatistics({ db: ctx.db, clock: ctx.clock, year: ctx.year });
  const rows = await providerParticipationOfYear(ctx.db, statistics.year);
  const provider = (r: (typeof rows)[number]) => ({
    providerId: r.providerId,
    name: r.providerName,
    country: r.country,
    requests: r.requests,
    answered: r.answered,
    late: r.late,
    notFound: r.notFound,
    nonResponsive: r.nonResponsive,
  });
  return {
    title: `Traceback annual report ${statistics.year}`,
    year: statistics.year,
    generatedAt: statistics.generatedAt,
    statistics,
    participated: rows.filter((r) => r.answered > 0).map(provider),
    didNotParticipate: rows
      .filter((r) => r.nonResponsive > 0)
      .map((r) => ({
        ...provider(r),
        reasons: [
          { reason: 'did not answer a traceback request by its deadline', count: r.nonResponsive },
          ...(r.answered === 0 && r.notFound > 0
            ? [{ reason: 'answered only that it had no record of the call', count: r.notFound }]
            : []),
        ],
      })),
  };
}

/** The key-metrics table's rows: label and how a value reads. */
export const KEY_METRIC_LABELS: Array<[keyof TKeyMetrics, string]> = [
  ['tracebacks', 'Tracebacks'],
  ['providersIdentified', 'Providers identified'],
  ['newProvidersIdentified', 'New providers identified'],
  ['nonResponsiveProviders', 'Non-responsive providers'],
  ['callerWarnedOrTerminatedShare', 'Callers warned or terminated'],
  ['averageHops', 'Average hops'],
  ['legalRequests', 'Subpoenas and CIDs'],
  ['foreignOriginShare', 'Foreign origin'],
  ['medianHoursToOutcome', 'Median hours to outcome'],
];

export function formatMetric(key: keyof TKeyMetrics, value: number | null): string {
  if (value === null) return '—';
  if (key === 'callerWarnedOrTerminatedShare' || key === 'foreignOriginShare')
    return `${(value * 100).toFixed(1)}%`;
  if (key === 'averageHops') return value.toFixed(1);
  if (key === 'medianHoursToOutcome') return value.toFixed(1);
  return value.toLocaleString('en-US');
}

const MARGIN = 50;
/** Standard fonts carry WinAnsi only: the report's text is written in it. */
const ascii = (s: string) => s.replace(/—/g, '-').replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?');

/** The report as a PDF a person reads: a title, the metrics, the two lists as tables, page numbers. */
export function renderAnnualReportPdf(report: TAnnualReport): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: report.title, Author: 'hoptrace', CreationDate: new Date(report.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - 30;

  /** A table with a header row, columns by relative width; it carries its header over page breaks. */
  function table(
    columns: Array<{ title: string; width: number; align?: 'left' | 'right' }>,
    rows: string[][],
  ) {
    const total = columns.reduce((s, c) => s + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * width);
    const line = (cells: string[], bold: boolean) => {
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
      const height =
        Math.max(...cells.map((c, i) => doc.heightOfString(ascii(c), { width: widths[i]! - 6 }))) + 6;
      if (doc.y + height > bottom()) {
        doc.addPage();
        if (!bold)
          line(
            columns.map((c) => c.title),
            true,
          );
        doc.font('Helvetica').fontSize(9);
      }
      const y = doc.y;
      let x = MARGIN;
      if (bold) doc.rect(MARGIN, y, width, height).fill('#e8eef5').fillColor('#000');
      cells.forEach((c, i) => {
        doc.text(ascii(c), x + 3, y + 3, { width: widths[i]! - 6, align: columns[i]!.align ?? 'left' });
        x += widths[i]!;
      });
      doc
        .moveTo(MARGIN, y + height)
        .lineTo(MARGIN + width, y + height)
        .strokeColor('#bbbbbb')
        .lineWidth(0.5)
        .stroke();
      doc.x = MARGIN;
      doc.y = y + height;
    };
    line(
      columns.map((c) => c.title),
      true,
    );
    for (const r of rows) line(r, false);
    doc.moveDown(1);
  }
  const heading = (text: string) => {
    if (doc.y + 60 > bottom()) doc.addPage();
    doc.x = MARGIN;
    doc.font('Helvetica-Bold').fontSize(13).text(ascii(text), MARGIN, doc.y, { width });
    doc.moveDown(0.4);
  };

  const s = report.statistics;
  doc.font('Helvetica-Bold').fontSize(20).text(ascii(report.title), { width });
  doc.moveDown(0.3);
  doc
    .font('Helvetica')
    .fontSize(10)
    .text(
      ascii(
        `Year ${report.year} (UTC). Generated ${report.generatedAt}. Figures ${s.status === 'published' ? `published ${s.publishedAt ?? ''}` : 'provisional (not yet published; they may still change)'}. Report under section 13 of the TRACED Act: the providers that took part in tracebacks, and those that did not, with the reasons recorded.`,
      ),
      { width },
    );
  doc.moveDown(1);

  heading('Key metrics');
  table(
    [
      { title: 'Metric', width: 3 },
      { title: String(report.year), width: 2, align: 'right' },
    ],
    KEY_METRIC_LABELS.map(([k, label]) => [label, formatMetric(k, s[k])]),
  );

  heading('Per month');
  const monthCols: Array<[keyof TKeyMetrics, string]> = [
    ['tracebacks', 'Tracebacks'],
    ['providersIdentified', 'Providers'],
    ['newProvidersIdentified', 'New'],
    ['nonResponsiveProviders', 'Non-resp.'],
    ['callerWarnedOrTerminatedShare', 'Warned/term.'],
    ['averageHops', 'Avg hops'],
    ['foreignOriginShare', 'Foreign'],
    ['medianHoursToOutcome', 'Median h'],
  ];
  table(
    [
      { title: 'Month', width: 1.8 },
      ...monthCols.map(([k, t]) => ({
        title: t,
        width: k === 'tracebacks' ? 2.6 : 2,
        align: 'right' as const,
      })),
      { title: 'Status', width: 2 },
    ],
    s.months.map((m) => [m.month, ...monthCols.map(([k]) => formatMetric(k, m[k])), m.status]),
  );

  heading(`Providers that took part (${report.participated.length})`);
  table(
    [
      { title: 'Provider', width: 5 },
      { title: 'Country', width: 1.5 },
      { title: 'Requests', width: 1.5, align: 'right' },
      { title: 'Answered', width: 1.5, align: 'right' },
      { title: 'Late', width: 1.2, align: 'right' },
      { title: 'Not found', width: 1.5, align: 'right' },
    ],
    report.participated.map((p) => [
      p.name,
      p.country,
      String(p.requests),
      String(p.answered),
      String(p.late),
      String(p.notFound),
    ]),
  );

  heading(`Providers that did not take part (${report.didNotParticipate.length})`);
  table(
    [
      { title: 'Provider', width: 4 },
      { title: 'Country', width: 1.3 },
      { title: 'Requests', width: 1.4, align: 'right' },
      { title: 'Unanswered', width: 1.6, align: 'right' },
      { title: 'Reasons recorded', width: 5 },
    ],
    report.didNotParticipate.map((p) => [
      p.name,
      p.country,
      String(p.requests),
      String(p.nonResponsive),
      p.reasons.map((r) => `${r.reason} (${r.count})`).join('; '),
    ]),
  );

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Below the bottom margin: without lifting it, pdfkit would start a new page for the footer.
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#555555')
      .text(`${ascii(report.title)} - page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN, {
        width,
        align: 'center',
        lineBreak: false,
      });
  }
  doc.end();
  return done;
}
