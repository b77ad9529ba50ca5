import type { THop } from '@hoptrace/contracts';
import { Alert, Badge, Button, FileInput, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { downloadFile, saveBlob, uploadFile } from '../api/client';
import { keepRecords } from '../lib/csvRows';
import { ErrorAlert, SectionCard } from './common';

/** The per-row report of POST /hops/bulk-answers. */
interface BulkReport {
  total: number;
  applied: number;
  unchanged: number;
  refused: number;
  rows: Array<{
    line: number;
    hopId: string | null;
    status: 'applied' | 'unchanged' | 'refused';
    reason?: string;
    errors?: Array<{ path: string; message: string }>;
  }>;
}

const ROW_COLOR = { applied: 'teal', unchanged: 'gray', refused: 'red' } as const;
const ROW_LABEL = { applied: 'Answered', unchanged: 'Already so', refused: 'Refused' } as const;

/** How many report rows are listed (a refused row is always listed first). */
const REPORT_ROWS = 200;

/**
 * Answering many requests at once: the selected requests as the API's CSV (answer columns left empty to fill
 * in), and the filled file sent back to POST /hops/bulk-answers, with its report row by row.
 */
export function BulkAnswers({ selected, hops }: { selected: ReadonlySet<string>; hops: THop[] }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const download = useMutation({
    mutationFn: async () => {
      // The export is by status; a request marked non-responsive may still be answered late.
      const statuses = [...new Set(hops.filter((h) => selected.has(h.id)).map((h) => h.status))];
      const texts = await Promise.all(
        statuses.map(async (s) => (await downloadFile(`/hops/export.csv?status=${s}`)).text()),
      );
      return keepRecords(texts, selected);
    },
    onSuccess: (csv) =>
      saveBlob(
        new Blob([csv], { type: 'text/csv' }),
        `requests-${new Date().toISOString().slice(0, 10)}.csv`,
      ),
  });
  const upload = useMutation({
    mutationFn: (f: File) => uploadFile<BulkReport>('/hops/bulk-answers', f, 'text/csv'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['hops'] }),
  });
  const report = upload.data;
  const rows = report
    ? [...report.rows].sort((a, b) => Number(b.status === 'refused') - Number(a.status === 'refused'))
    : [];
  return (
    <SectionCard title="Answer many at once" testId="bulk-answers">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Select requests below and download them as a CSV file. Fill in each row&apos;s answer (kind:{' '}
          <code>upstream</code> with the upstream&apos;s id or name, <code>origin</code> with your customer,{' '}
          <code>not_found</code>), then upload the file. Each row is answered or refused on its own; sending
          the same file again changes nothing.
        </Text>
        <Group align="flex-end">
          <Button
            variant="light"
            disabled={selected.size === 0}
            loading={download.isPending}
            onClick={() => download.mutate()}
          >
            {selected.size === 0
              ? 'Download the selected as CSV'
              : `Download ${selected.size} selected as CSV`}
          </Button>
        </Group>
        {download.error && <ErrorAlert error={download.error} title="Could not download them" />}
        <form
          aria-label="Upload answers"
          onSubmit={(e) => {
            e.preventDefault();
            if (file) upload.mutate(file);
          }}
        >
          <Group align="flex-end">
            <FileInput
              id="bulk-file"
              label="Answers file (CSV)"
              placeholder="Choose the filled file"
              accept=".csv,text/csv"
              value={file}
              onChange={(f) => {
                setFile(f);
                upload.reset();
              }}
              clearable
              w={320}
            />
            <Button type="submit" disabled={!file} loading={upload.isPending}>
              Send the answers
            </Button>
          </Group>
        </form>
        {upload.error && <ErrorAlert error={upload.error} title="The file was not taken" />}
        {report && (
          <Stack gap="xs" data-testid="bulk-report">
            <Alert
              color={report.refused ? 'orange' : 'teal'}
              role="status"
              title={`${report.applied} answered, ${report.unchanged} unchanged, ${report.refused} refused (of ${report.total} rows)`}
            >
              {report.refused
                ? 'Correct the refused rows and send the file again: the rows already answered stay as they are.'
                : 'Every row was taken.'}
            </Alert>
            <Table.ScrollContainer minWidth={560}>
              <Table aria-label="Report per row" verticalSpacing={4}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Line</Table.Th>
                    <Table.Th>Request</Table.Th>
                    <Table.Th>Result</Table.Th>
                    <Table.Th>Why</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.slice(0, REPORT_ROWS).map((r) => (
                    <Table.Tr key={r.line} data-line={r.line} data-status={r.status}>
                      <Table.Td className="tabular">{r.line}</Table.Td>
                      <Table.Td className="mono-wrap">{r.hopId ? `${r.hopId.slice(0, 8)}…` : '—'}</Table.Td>
                      <Table.Td>
                        <Badge color={ROW_COLOR[r.status]} variant="light" tt="none">
                          {ROW_LABEL[r.status]}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {[r.reason, ...(r.errors ?? []).map((e) => `${e.path}: ${e.message}`)]
                          .filter(Boolean)
                          .join('; ') || '—'}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {rows.length > REPORT_ROWS && (
              <Text size="sm" c="dimmed">
                The first {REPORT_ROWS} of {rows.length} rows are listed, refused ones first.
              </Text>
            )}
          </Stack>
        )}
      </Stack>
    </SectionCard>
  );
}
