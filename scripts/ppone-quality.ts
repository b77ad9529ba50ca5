/**
 * Scores an export of the PPoNE calls (`hoptrace calls export --source S`) against the campaign names
 * the FTC letters give (`campaignName`): homogeneity, completeness, V-measure, adjusted Rand index.
 *
 *   npx tsx scripts/ppone-quality.ts EXPORT.jsonl [../shared/data/ppone/calls.jsonl]
 *
 * Two readings: `campaignId` as exported (a call of a candidate group or unassigned is its own
 * cluster), and candidates counted as clusters too. Also checks that calls of one recording
 * (identical transcripts) never land in different clusters.
 */
import { readFileSync } from 'node:fs';
import { clusteringScores } from '@hoptrace/campaigns';

interface Exported {
  externalId: string;
  campaignId: string | null;
  candidateId: string | null;
  assignment: string;
}
interface Labelled {
  id: string;
  transcript: string;
  campaignName: string | null;
}

const [exportFile, dataFile = '../shared/data/ppone/calls.jsonl'] = process.argv.slice(2);
if (!exportFile) {
  process.stderr.write('usage: npx tsx scripts/ppone-quality.ts EXPORT.jsonl [calls.jsonl]\n');
  process.exit(2);
}
const lines = (f: string) =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
const exported = new Map(
  lines(exportFile)
    .map((l) => JSON.parse(l) as Exported)
    .map((e) => [e.externalId, e]),
);
const labelled = lines(dataFile).map((l) => JSON.parse(l) as Labelled);

const truth: Array<string | null> = [];
const asExported: Array<string | null> = [];
const withCandidates: Array<string | null> = [];
const byTranscript = new Map<string, Set<string>>();
let missing = 0;
const assignments = new Map<string, number>();
for (const row of labelled) {
  const e = exported.get(row.id);
  if (!e) {
    missing++;
    continue;
  }
  assignments.set(e.assignment, (assignments.get(e.assignment) ?? 0) + 1);
  truth.push(row.campaignName);
  asExported.push(e.campaignId);
  const cluster = e.campaignId ?? e.candidateId;
  withCandidates.push(cluster);
  const key = row.transcript.trim();
  if (key) byTranscript.set(key, (byTranscript.get(key) ?? new Set()).add(cluster ?? `none:${row.id}`));
}
const split = [...byTranscript.values()].filter((s) => s.size > 1).length;
const fmt = (s: ReturnType<typeof clusteringScores>) =>
  `homogeneity ${s.homogeneity.toFixed(3)}, completeness ${s.completeness.toFixed(3)}, V-measure ${s.vMeasure.toFixed(3)}, ARI ${s.adjustedRand.toFixed(3)} (${s.n} labelled calls, ${s.clusters} clusters, ${s.classes} names)`;
const result = {
  calls: labelled.length,
  missing,
  assignments: Object.fromEntries(assignments),
  campaigns: clusteringScores(truth, asExported),
  campaignsAndCandidates: clusteringScores(truth, withCandidates),
  recordingsSplit: split,
};
process.stdout.write(
  `${labelled.length} calls, ${missing} missing from the export; ${[...assignments].map(([k, v]) => `${v} ${k}`).join(', ')}\n` +
    `campaigns:                ${fmt(result.campaigns)}\n` +
    `campaigns and candidates: ${fmt(result.campaignsAndCandidates)}\n` +
    `recordings split across clusters: ${split}\n`,
);
if (process.env.JSON_OUT) process.stdout.write(JSON.stringify(result) + '\n');
