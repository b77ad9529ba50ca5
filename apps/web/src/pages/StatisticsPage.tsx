import type { TKeyMetrics, TPublicMonth } from '@hoptrace/contracts';
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Container,
  Group,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { post } from '../api/client';
import {
  q,
  useMe,
  usePublicAuditHead,
  usePublicStatistics,
  usePublishedNonCooperative,
} from '../api/queries';
import { DateTime, ErrorAlert, PageTitle } from '../components/common';
import { IconRoute } from '../components/icons';
import { formatLocalDate } from '../lib/time';
import { STAFF } from '../session';

const MonthlyTracebacksChart = lazy(async () => ({
  default: (await import('../components/charts')).MonthlyTracebacksChart,
}));
const MonthlySharesChart = lazy(async () => ({
  default: (await import('../components/charts')).MonthlySharesChart,
}));

/** The ITG's key-metrics table, in its order. */
const METRICS: Array<[keyof TKeyMetrics, string]> = [
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

function format(key: keyof TKeyMetrics, value: number | null): string {
  if (value === null) return '—';
  if (key === 'callerWarnedOrTerminatedShare' || key === 'foreignOriginShare')
    return `${(value * 100).toFixed(1)}%`;
  if (key === 'averageHops' || key === 'medianHoursToOutcome') return value.toFixed(1);
  return value.toLocaleString('en-US');
}

function StatusBadge({ status, publishedAt }: { status: string; publishedAt: string | null }) {
  return status === 'published' ? (
    <Badge color="teal" variant="light" title={publishedAt ?? undefined}>
      Published{publishedAt ? ` ${formatLocalDate(publishedAt)}` : ''}
    </Badge>
  ) : (
    <Badge color="yellow" variant="light">
      Provisional
    </Badge>
  );
}

const monthEnded = (month: string, now = new Date()) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Date.UTC(y, m, 1) <= now.getTime();
};

/**
 * Public statistics (decision 0028): the key metrics of a year and its months, without signing in.
 * Published periods are snapshots; the rest are provisional. Staff who are signed in publish here.
 */
export function StatisticsPage() {
  const current = new Date().getUTCFullYear();
  const [year, setYear] = useState(current);
  const stats = usePublicStatistics(year);
  const me = useMe();
  const isStaff = !!me.data && STAFF.includes(me.data.role);
  const queryClient = useQueryClient();
  const publish = useMutation({
    mutationFn: (period: string) => post<{ published: string[] }>('/statistics/publications', { period }),
    // The figures are cacheable for minutes: read them again past the browser's cache.
    onSuccess: () => queryClient.fetchQuery({ ...q.publicStatistics(year, true), staleTime: 0 }),
  });
  const s = stats.data;
  const years = Array.from({ length: 6 }, (_, i) => String(current - i));

  return (
    <Container size="lg" py="lg" component="main" id="main">
      <Group gap="xs" mb="sm">
        <IconRoute size={22} />
        <Text fw={700}>hoptrace</Text>
        <Anchor component={Link} to="/login" size="sm" ml="auto">
          Sign in
        </Anchor>
      </Group>
      <PageTitle
        title="Traceback statistics"
        right={
          <Select
            label="Year"
            data={years}
            value={String(year)}
            onChange={(v) => v && setYear(Number(v))}
            allowDeselect={false}
            w={120}
          />
        }
      >
        Traceback statistics
      </PageTitle>
      <Text c="dimmed" size="sm" mb="md">
        Key metrics computed from the tracebacks themselves: traces of calls opened in the period (UTC),
        forward requests and cancelled tracebacks left out. A published period is a snapshot that later data
        does not change; a provisional one is computed now and may still change.
      </Text>
      {stats.error ? <ErrorAlert error={stats.error} /> : null}
      {!s ? (
        <Skeleton h={300} data-loading />
      ) : (
        <Stack gap="lg">
          <Card withBorder>
            <Group justify="space-between" mb="sm">
              <Title order={2} size="h4">
                {s.year}
              </Title>
              <Group gap="xs">
                <StatusBadge status={s.status} publishedAt={s.publishedAt} />
                <Anchor href={`/api/v1/public/statistics.csv?year=${s.year}`} size="sm" download>
                  Download CSV
                </Anchor>
                {isStaff && s.status === 'provisional' && s.year < current ? (
                  <Button
                    size="xs"
                    loading={publish.isPending}
                    onClick={() => publish.mutate(String(s.year))}
                  >
                    Publish {s.year}
                  </Button>
                ) : null}
              </Group>
            </Group>
            {publish.error ? <ErrorAlert error={publish.error} title="Could not publish" /> : null}
            <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm" data-testid="key-metrics">
              {METRICS.map(([key, label]) => (
                <div key={key}>
                  <Text size="sm" c="dimmed" fw={600}>
                    {label}
                  </Text>
                  <Text fz={26} fw={750} className="tabular" data-testid={`metric-${key}`}>
                    {format(key, s[key])}
                  </Text>
                </div>
              ))}
            </SimpleGrid>
          </Card>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              Per month
            </Title>
            <Suspense fallback={<Skeleton h={260} />}>
              <MonthlyTracebacksChart months={s.months} />
              <MonthlySharesChart months={s.months} />
            </Suspense>
          </Card>
          <Card withBorder>
            <Table.ScrollContainer minWidth={800}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Month</Table.Th>
                    {METRICS.map(([key, label]) => (
                      <Table.Th key={key} ta="right">
                        {label}
                      </Table.Th>
                    ))}
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.months.map((m: TPublicMonth) => (
                    <Table.Tr key={m.month}>
                      <Table.Td>{m.month}</Table.Td>
                      {METRICS.map(([key]) => (
                        <Table.Td key={key} ta="right" className="tabular">
                          {format(key, m[key])}
                        </Table.Td>
                      ))}
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <StatusBadge status={m.status} publishedAt={m.publishedAt} />
                          {isStaff && m.status === 'provisional' && monthEnded(m.month) ? (
                            <Button
                              size="compact-xs"
                              variant="light"
                              onClick={() => publish.mutate(m.month)}
                              aria-label={`Publish ${m.month}`}
                            >
                              Publish
                            </Button>
                          ) : null}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
          <NonCooperative />
          <AuditHeadCard />
        </Stack>
      )}
    </Container>
  );
}

/** Providers named non-cooperative: only those whose determination staff confirmed and published (decision 0027). */
function NonCooperative() {
  const list = usePublishedNonCooperative();
  const items = list.data?.items ?? [];
  return (
    <Card withBorder data-testid="non-cooperative">
      <Title order={2} size="h4" mb="xs">
        Non-cooperative providers
      </Title>
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && items.length === 0 && (
        <Text size="sm" c="dimmed">
          No provider is named here until staff confirm and publish a non-cooperation determination for it.
          None has been published.
        </Text>
      )}
      {items.length > 0 && (
        <Table aria-label="Non-cooperative providers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Provider</Table.Th>
              <Table.Th>Country</Table.Th>
              <Table.Th>Why</Table.Th>
              <Table.Th>Published</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((p) => (
              <Table.Tr key={p.determinationId}>
                <Table.Td>{p.providerName}</Table.Td>
                <Table.Td>{p.country}</Table.Td>
                <Table.Td>{p.reasons.join('; ') || '—'}</Table.Td>
                <Table.Td>
                  <DateTime iso={p.publishedAt} dateOnly />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** The audit ledger's published head (decision 0024): copies kept by anyone make a rewritten history show. */
function AuditHeadCard() {
  const head = usePublicAuditHead();
  return (
    <Card withBorder data-testid="audit-head">
      <Title order={2} size="h4" mb="xs">
        Audit ledger
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Every change in hoptrace and every read of customer details is an entry in a hash-chained ledger. Its
        head is published here; keep a copy, and the operator can prove later that the history up to it was
        not rewritten (<Code>hoptrace audit verify --head SEQ:HASH</Code>).
      </Text>
      {head.data ? (
        <Text size="sm">
          Entry {head.data.seq.toLocaleString('en-US')}:{' '}
          <Code style={{ overflowWrap: 'anywhere' }}>{`${head.data.seq}:${head.data.hash}`}</Code>
          {head.data.publishedAt && (
            <>
              {' '}
              published <DateTime iso={head.data.publishedAt} />
            </>
          )}
        </Text>
      ) : (
        head.isSuccess && <Text size="sm">No head has been published yet.</Text>
      )}
    </Card>
  );
}
