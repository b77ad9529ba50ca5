import { Anchor, Badge, Group, Select, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useNotifications, type NotificationFilters } from '../api/queries';
import { DateTime, ErrorAlert, Loading, PageTitle, ShowMore } from '../components/common';
import type { TNotification } from '../lib/contracts';

const STATUS_COLOR: Record<TNotification['status'], string> = {
  pending: 'yellow',
  sent: 'teal',
  dead: 'red',
};
const STATUS_LABEL: Record<TNotification['status'], string> = {
  pending: 'Waiting',
  sent: 'Sent',
  dead: 'Gave up',
};

/**
 * The log of what hoptrace sent (emails and webhooks), newest first, for staff: to whom, about what, and
 * how it went (attempts, the last error). Never the message itself or its links.
 */
export function NotificationsPage() {
  const [channel, setChannel] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const filters: NotificationFilters = {
    channel: (channel ?? undefined) as NotificationFilters['channel'],
    status: (status ?? undefined) as NotificationFilters['status'],
  };
  const list = useNotifications(filters);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle title="Emails and webhooks">Emails and webhooks sent</PageTitle>
      <Text c="dimmed" mb="md" maw={720}>
        Every notice hoptrace queued: requests and reminders to providers, referrals to agencies, webhooks. A
        failed one is retried with a growing wait (webhooks for a day, email for three days) before it is
        given up.
      </Text>
      <Group mb="md" align="flex-end">
        <Select
          label="Channel"
          placeholder="Both"
          clearable
          data={[
            { value: 'email', label: 'Email' },
            { value: 'webhook', label: 'Webhook' },
          ]}
          value={channel}
          onChange={setChannel}
          w={180}
        />
        <Select
          label="Status"
          placeholder="Any"
          clearable
          data={[
            { value: 'pending', label: STATUS_LABEL.pending },
            { value: 'sent', label: STATUS_LABEL.sent },
            { value: 'dead', label: STATUS_LABEL.dead },
          ]}
          value={status}
          onChange={setStatus}
          w={180}
        />
      </Group>
      {list.isPending && <Loading label="Loading the log" />}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">Nothing sent yet.</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-label="Emails and webhooks" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Queued</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>About</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Traceback</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((n) => (
                <Table.Tr key={n.id} data-notification-id={n.id}>
                  <Table.Td>
                    <DateTime iso={n.createdAt} compact />
                  </Table.Td>
                  <Table.Td>{n.channel === 'email' ? 'Email' : 'Webhook'}</Table.Td>
                  <Table.Td>
                    <code>{n.topic}</code>
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{n.recipient}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[n.status]} variant="light" tt="none">
                      {STATUS_LABEL[n.status]}
                    </Badge>
                    {n.sentAt && (
                      <Text size="xs" c="dimmed">
                        <DateTime iso={n.sentAt} compact />
                      </Text>
                    )}
                    {n.lastError && (
                      <Text size="xs" c="red.9" style={{ overflowWrap: 'anywhere' }}>
                        {n.lastError}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td className="tabular">{n.attempts}</Table.Td>
                  <Table.Td>
                    {n.tracebackId ? (
                      <Anchor component={Link} to={`/tracebacks/${n.tracebackId}`} size="sm">
                        {n.tracebackId.slice(0, 8)}…
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMore list={list} />
    </>
  );
}
