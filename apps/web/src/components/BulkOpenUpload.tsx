import { Alert, Anchor, Button, FileInput, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, uploadFile } from '../api/client';

/** The reply of POST /tracebacks/bulk (docs/API.md, "Open many tracebacks at once"). */
interface BulkOpenReport {
  total: number;
  opened: number;
  existing: number;
  refused: number;
  rows: Array<{
    line: number;
    status: 'opened' | 'existing' | 'refused';
    tracebackId: string | null;
    reason?: string;
    errors?: Array<{ path: string; message: string }>;
  }>;
}

const COLUMNS = 'call_time, calling_number, called_number, first_provider, campaign, note';

/** Opens tracebacks from a CSV file and shows what became of each row that did not simply open. */
export function BulkOpenUpload() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: (f: File) => uploadFile<BulkOpenReport>('/tracebacks/bulk', f, 'text/csv'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tracebacks'] }),
  });
  const report = upload.data;
  const notOpened = report?.rows.filter((r) => r.status !== 'opened') ?? [];
  return (
    <Paper withBorder p="md" maw={880} mt="xl">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Open many from a CSV file
        </Title>
        <Text size="sm" c="dimmed">
          One traceback per row. Columns: {COLUMNS} (the first four required; the call time with its offset,
          e.g. 2026-11-20T15:04:05Z; the provider and campaign by id or exact name). A call that already has a
          traceback is not opened again.
        </Text>
        <Group align="end">
          <FileInput
            label="CSV file"
            accept=".csv,text/csv"
            value={file}
            onChange={setFile}
            clearable
            w={360}
          />
          <Button disabled={!file} loading={upload.isPending} onClick={() => file && upload.mutate(file)}>
            Open tracebacks
          </Button>
        </Group>
        {upload.error && (
          <Alert color="red" role="alert" title="Nothing was opened">
            {upload.error instanceof ApiError ? upload.error.message : 'The upload failed; try again.'}
          </Alert>
        )}
        {report && (
          <Stack gap="xs" data-testid="bulk-open-report">
            <Text size="sm" fw={600}>
              {report.opened} opened, {report.existing} already had a traceback, {report.refused} refused (
              {report.total} rows).{' '}
              <Anchor component={Link} to="/tracebacks">
                See the tracebacks
              </Anchor>
            </Text>
            {notOpened.length > 0 && (
              <Table striped withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Line</Table.Th>
                    <Table.Th>Result</Table.Th>
                    <Table.Th>Column</Table.Th>
                    <Table.Th>Message</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {notOpened.flatMap((r) =>
                    (r.errors?.length ? r.errors : [{ path: '', message: r.reason ?? '' }]).map((e, i) => (
                      <Table.Tr key={`${r.line}-${i}`}>
                        <Table.Td>{r.line}</Table.Td>
                        <Table.Td>
                          {r.status === 'existing' && r.tracebackId ? (
                            <Anchor component={Link} to={`/tracebacks/${r.tracebackId}`}>
                              already opened
                            </Anchor>
                          ) : (
                            'refused'
                          )}
                        </Table.Td>
                        <Table.Td>{e.path}</Table.Td>
                        <Table.Td>{e.message}</Table.Td>
                      </Table.Tr>
                    )),
                  )}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
