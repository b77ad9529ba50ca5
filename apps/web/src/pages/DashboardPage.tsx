import type { TDashboard } from '@hoptrace/contracts';
import {
  Anchor,
  Card,
  EmptyState,
  Grid,
  Group,
  Paper,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useDashboard } from '../api/queries';
import { Countdown, DateTime, ErrorAlert, PageTitle } from '../components/common';
import { IconCheck } from '../components/icons';
import { OUTCOME_COLOR, OUTCOME_LABEL } from '../lib/labels';
import { formatHours } from '../lib/time';

const OpenedClosedChart = lazy(async () => ({
  default: (await import('../components/charts')).OpenedClosedChart,
}));

const PERIODS = [
  { value: '4', label: '4 weeks' },
  { value: '12', label: '12 weeks' },
  { value: '26', label: '26 weeks' },
  { value: '52', label: 'A year' },
];

function Stat(props: {
  label: string;
  value: string | number;
  hint?: string;
  color?: string;
  to?: string;
  testId?: string;
}) {
  const value = (
    <Text fz={32} fw={750} c={props.color} className="tabular" lh={1.1} data-testid={props.testId}>
      {props.value}
    </Text>
  );
  return (
    <Card withBorder padding="md">
      <Text size="sm" c="dimmed" fw={600}>
        {props.label}
      </Text>
      {props.to ? (
        <Anchor component={Link} to={props.to} underline="hover" c="inherit">
          {value}
        </Anchor>
      ) : (
        value
      )}
      {props.hint && (
        <Text size="xs" c="dimmed">
          {props.hint}
        </Text>
      )}
    </Card>
  );
}

export function DashboardPage() {
  const [weeks, setWeeks] = useState('12');
  const dashboard = useDashboard(Number(weeks));
  const d = dashboard.data;

  // Marks when the numbers are on screen, for the time-to-interactive measurement.
  useEffect(() => {
    if (d) performance.mark('hoptrace:dashboard-data');
  }, [d]);

  return (
    <>
      <PageTitle
        title="Dashboard"
        right={
          <SegmentedControl
            data={PERIODS}
            value={weeks}
            onChange={setWeeks}
            aria-label="Period of the charts"
            size="xs"
          />
        }
      >
        Dashboard
      </PageTitle>
      {dashboard.isError && <ErrorAlert error={dashboard.error} />}
      {!d && !dashboard.isError && <Skeleton h={420} />}
      {d && <Body d={d} />}
    </>
  );
}

function Body({ d }: { d: TDashboard }) {
  const closed = d.outcomes.reduce((n, o) => n + o.count, 0);
  return (
    <Stack gap="lg" data-testid="dashboard">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
        <Stat
          label="Open tracebacks"
          value={d.openTracebacks}
          to="/tracebacks?status=open"
          testId="stat-open"
        />
        <Stat
          label="Went non-responsive"
          value={d.wentNonResponsive24h}
          color={d.wentNonResponsive24h ? 'red.9' : undefined}
          hint="In the last 24 hours: no answer by the deadline"
          testId="stat-overdue"
        />
        <Stat
          label="Due within 2 hours"
          value={d.hopsDueSoon}
          color={d.hopsDueSoon ? 'orange.9' : undefined}
          testId="stat-due-soon"
        />
        <Stat
          label="Median time to close"
          value={formatHours(d.timeToClose.medianHours)}
          hint={`Over ${d.timeToClose.closed} closed, cancellations aside`}
        />
        <Stat
          label="90th percentile"
          value={formatHours(d.timeToClose.p90Hours)}
          hint="9 in 10 close faster"
        />
      </SimpleGrid>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Paper withBorder p="md" h="100%">
            <Title order={2} size="h4" mb="sm">
              Opened and closed per week
            </Title>
            <Suspense fallback={<Skeleton h={240} />}>
              <OpenedClosedChart perWeek={d.perWeek} />
            </Suspense>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Paper withBorder p="md" h="100%">
            <Title order={2} size="h4" mb="sm">
              Needs attention
            </Title>
            <Text size="xs" c="dimmed" mb="xs">
              Pending hops due within 24 hours, soonest first
            </Text>
            {d.attention.length === 0 ? (
              <EmptyState
                icon={<IconCheck size={24} />}
                variant="light"
                color="teal"
                title="Nothing due in the next 24 hours"
                size="sm"
                py="md"
              />
            ) : (
              <Table.ScrollContainer minWidth={320}>
                <Table verticalSpacing={6}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Provider</Table.Th>
                      <Table.Th>Deadline</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {d.attention.map((a) => (
                      <Table.Tr key={a.hopId}>
                        <Table.Td>
                          <Anchor component={Link} to={`/tracebacks/${a.tracebackId}`} size="sm">
                            {a.providerName}
                          </Anchor>
                          <Text span size="xs" c="dimmed">
                            {' '}
                            · hop {a.seq}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Countdown dueAt={a.dueAt} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Paper>
        </Grid.Col>
      </Grid>

      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="lg">
        <RecentNonResponsive rows={d.recentNonResponsive} />
        <TopProviders
          title="Repeat non-responders"
          rows={d.repeatNonResponders}
          empty="No provider missed two deadlines in the period"
          more={{ to: '/scorecards?sort=-never', label: 'All scorecards' }}
        />
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Campaigns by open tracebacks
          </Title>
          {d.campaignsByOpen.length === 0 ? (
            <Text size="sm" c="dimmed">
              No open traceback of a campaign
            </Text>
          ) : (
            <Stack gap={6} component="ol" p={0} m={0} style={{ listStyle: 'none' }}>
              {d.campaignsByOpen.map((c) => (
                <Group key={c.campaignId} justify="space-between" component="li" wrap="nowrap">
                  <Anchor component={Link} to={`/campaigns/${c.campaignId}`} size="sm" truncate>
                    {c.campaignName}
                  </Anchor>
                  <Text size="sm" fw={700} className="tabular">
                    {c.count}
                  </Text>
                </Group>
              ))}
            </Stack>
          )}
        </Paper>
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="lg">
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Outcomes
          </Title>
          <Text size="xs" c="dimmed" mb="sm">
            {closed} closed in the period
          </Text>
          <Stack gap={8} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {d.outcomes.map((o) => (
              <li key={o.outcome}>
                <Group justify="space-between" gap="xs">
                  <Text size="sm">{OUTCOME_LABEL[o.outcome]}</Text>
                  <Text size="sm" fw={700} className="tabular">
                    {o.count}
                  </Text>
                </Group>
                {/* Whole percents: a screen reader reads the value out ("52%", not "52.083333333333336%"). */}
                <Progress
                  value={closed ? Math.round((o.count / closed) * 100) : 0}
                  color={`${OUTCOME_COLOR[o.outcome]}.8`}
                  size="sm"
                  aria-label={`${OUTCOME_LABEL[o.outcome]}, share of those closed`}
                />
              </li>
            ))}
          </Stack>
        </Paper>
        <TopProviders
          title="Most often the origin"
          rows={d.topOrigins}
          empty="No origin identified in the period"
        />
        <TopProviders
          title="Most often not answering"
          rows={d.topNonResponsive}
          empty="Every request in the period was answered in time"
        />
      </SimpleGrid>
    </Stack>
  );
}

/** Hops that went non-responsive lately, newest first, with the provider behind each. */
function RecentNonResponsive({ rows }: { rows: TDashboard['recentNonResponsive'] }) {
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Went non-responsive this week
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          Every request due this week was answered
        </Text>
      ) : (
        <Stack gap={6} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {rows.map((r) => (
            <Group key={r.hopId} justify="space-between" component="li" wrap="nowrap">
              <span>
                <Anchor component={Link} to={`/providers/${r.providerId}`} size="sm">
                  {r.providerName}
                </Anchor>
                <Anchor component={Link} to={`/tracebacks/${r.tracebackId}`} size="xs" c="dimmed">
                  {' '}
                  · hop {r.seq}
                </Anchor>
              </span>
              <Text size="xs" c="dimmed">
                <DateTime iso={r.dueAt} />
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

function TopProviders(props: {
  title: string;
  rows: TDashboard['topOrigins'];
  empty: string;
  more?: { to: string; label: string };
}) {
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {props.title}
        </Title>
        {props.more && (
          <Anchor component={Link} to={props.more.to} size="sm">
            {props.more.label}
          </Anchor>
        )}
      </Group>
      {props.rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {props.empty}
        </Text>
      ) : (
        <Stack gap={6} component="ol" p={0} m={0} style={{ listStyle: 'none' }}>
          {props.rows.map((r) => (
            <Group key={r.providerId} justify="space-between" component="li" wrap="nowrap">
              <Anchor component={Link} to={`/providers/${r.providerId}`} size="sm" truncate>
                {r.providerName}
              </Anchor>
              <Text size="sm" fw={700} className="tabular">
                {r.count}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
