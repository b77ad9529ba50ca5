import { Badge, Group, Paper, Table, Text, Title } from '@mantine/core';
import { useIssuedLegalRequests } from '../api/queries';
import { LEGAL_KIND_LABEL, LEGAL_STATUS_COLOR, LEGAL_STATUS_LABEL } from '../lib/labels';
import { DateTime, ErrorAlert, Loading } from './common';

/**
 * The subpoenas and CIDs an enforcement user's agency issued, as the consortium registered them: where each
 * stands, read-only. No scope, document or package here: the agency holds what it sent.
 */
export function IssuedLegalRequests() {
  const list = useIssuedLegalRequests();
  return (
    <Paper withBorder p="md" component="section" aria-label="Legal requests your agency issued">
      <Title order={2} size="h4" mb="sm">
        Legal requests your agency issued
      </Title>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} title="Could not load your legal requests" />
      ) : list.data.length === 0 ? (
        <Text c="dimmed" size="sm">
          None on file.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Legal requests your agency issued" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Received</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((r) => (
                <Table.Tr key={r.id} data-legal-id={r.id}>
                  <Table.Td fw={600}>{r.number}</Table.Td>
                  <Table.Td>{LEGAL_KIND_LABEL[r.kind]}</Table.Td>
                  <Table.Td className="tabular">{r.receivedOn}</Table.Td>
                  <Table.Td className="tabular">{r.dueOn}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Badge color={LEGAL_STATUS_COLOR[r.status]} variant="light">
                        {LEGAL_STATUS_LABEL[r.status]}
                      </Badge>
                      {r.overdue && <Badge color="red">Overdue</Badge>}
                      {r.respondedAt && (
                        <Text span size="xs" c="dimmed">
                          answered <DateTime iso={r.respondedAt} dateOnly />
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
