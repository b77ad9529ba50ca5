import type { TUpstreamRow } from '@hoptrace/contracts';
import { Button, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { qs } from '../api/client';
import { useUpstreams } from '../api/queries';
import { ErrorAlert, Loading, PageTitle } from '../components/common';
import { useUser } from '../session';
import { NotFoundPage } from './ErrorPages';

const PERIODS = [
  { value: '3', label: '3 months' },
  { value: '12', label: '12 months' },
  { value: '24', label: '2 years' },
];

/**
 * The upstream providers your own answers named, ranked, with how those tracebacks ended and the campaigns
 * involved: what a provider needs to act on its upstream contracts. Built from your answers alone; nothing
 * of any other provider's hops.
 */
export function UpstreamsPage() {
  const user = useUser();
  const [months, setMonths] = useState('12');
  const providerId = user.providerId ?? '';
  const upstreams = useUpstreams(providerId, Number(months));
  if (!user.providerId) return <NotFoundPage />;
  const csvHref = `/api/v1/providers/${providerId}/upstreams${qs({ months, format: 'csv' })}`;
  return (
    <Stack gap="lg">
      <PageTitle
        title="Your upstreams"
        right={
          <Button component="a" href={csvHref} variant="light" download="upstreams.csv">
            Export CSV
          </Button>
        }
      >
        Your upstreams
      </PageTitle>
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={720}>
          The providers you named as your upstream in your answers, most named first, and how those tracebacks
          ended. Use it to act on the upstreams that keep handing you illegal traffic.
        </Text>
        <SegmentedControl size="xs" data={PERIODS} value={months} onChange={setMonths} aria-label="Period" />
      </Group>
      {upstreams.isPending && <Loading label="Loading your upstreams" />}
      {upstreams.isError && <ErrorAlert error={upstreams.error} />}
      {upstreams.data && upstreams.data.items.length === 0 && (
        <Text size="sm" c="dimmed">
          You named no upstream in this period.
        </Text>
      )}
      {upstreams.data && upstreams.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped aria-label="Your upstreams">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Upstream</Table.Th>
                <Table.Th ta="right">Named</Table.Th>
                <Table.Th ta="right">Origin identified</Table.Th>
                <Table.Th ta="right">Non-responsive</Table.Th>
                <Table.Th ta="right">Abroad</Table.Th>
                <Table.Th ta="right">Open</Table.Th>
                <Table.Th ta="right">Otherwise</Table.Th>
                <Table.Th>Campaigns</Table.Th>
                <Table.Th>By month</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {upstreams.data.items.map((r) => (
                <UpstreamTr key={r.providerId} r={r} months={upstreams.data.months} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function UpstreamTr({ r, months }: { r: TUpstreamRow; months: string[] }) {
  const max = Math.max(1, ...r.perMonth);
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={600}>
          {r.providerName}
        </Text>
        <Text size="xs" c="dimmed">
          {r.country}
        </Text>
      </Table.Td>
      <Table.Td ta="right">{r.named}</Table.Td>
      <Table.Td ta="right">{r.originIdentified}</Table.Td>
      <Table.Td ta="right">{r.nonResponsive}</Table.Td>
      <Table.Td ta="right">{r.foreignOrigin}</Table.Td>
      <Table.Td ta="right">{r.open}</Table.Td>
      <Table.Td ta="right">{r.other}</Table.Td>
      <Table.Td>
        {r.campaigns.length === 0
          ? '—'
          : r.campaigns.map((c, i) => (
              <span key={c.id}>
                {i > 0 && ', '}
                {c.name} ({c.count})
              </span>
            ))}
      </Table.Td>
      <Table.Td>
        <svg
          width={months.length * 6}
          height={20}
          role="img"
          aria-label={`Named per month: ${r.perMonth.join(', ')}`}
        >
          {r.perMonth.map((n, i) => (
            <rect
              key={months[i]}
              x={i * 6}
              y={20 - (n / max) * 20}
              width={4}
              height={(n / max) * 20}
              fill="currentColor"
            />
          ))}
        </svg>
      </Table.Td>
    </Table.Tr>
  );
}
