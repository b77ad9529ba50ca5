import type { TTraceback } from '@hoptrace/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Code,
  Grid,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Spoiler,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useRef } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/client';
import { useCampaign, useTimeline, useTraceback } from '../api/queries';
import {
  CallTime,
  DateTime,
  ErrorAlert,
  Field,
  Loading,
  PageTitle,
  Phone,
  TracebackStatus,
} from '../components/common';
import { IconLock } from '../components/icons';
import { PathChain } from '../components/PathChain';
import { Referrals } from '../components/Referrals';
import { INCONSISTENCY_LABEL, ShakenPanel } from '../components/ShakenPanel';
import { EvidencePackageButton } from '../components/EvidencePackage';
import { EventTimeline } from '../components/Timeline';
import { TracebackActions } from '../components/TracebackActions';
import { ACTION_LABEL, CATEGORY_LABEL } from '../lib/labels';
import { formatPhone } from '../lib/phone';
import { STAFF, useUser } from '../session';
import { NotFoundPage } from './ErrorPages';

const TIMELINE_POLL_MS = 5_000;

function useRefetchOnNewEvents(count: number | undefined, refetch: () => Promise<unknown>) {
  const seen = useRef(count);
  useEffect(() => {
    if (count === undefined) return;
    if (seen.current !== undefined && count !== seen.current) void refetch();
    seen.current = count;
  }, [count, refetch]);
}

export function TracebackPage() {
  const { id = '' } = useParams();
  const user = useUser();
  const tb = useTraceback(id);
  // The timeline loads beside the traceback, not after it. While the traceback is open it is read
  // again every few seconds, and a new event (a provider answered, the clock marked a hop late)
  // reloads the traceback: the timeline is cheap and holds no customer details, whereas each read
  // of a traceback with an origin is a recorded read of them.
  const events = useTimeline(id, tb.data?.status === 'open' ? TIMELINE_POLL_MS : false);
  useRefetchOnNewEvents(events.data?.length, tb.refetch);
  if (tb.isPending) return <Loading label="Loading the traceback" />;
  if (tb.isError)
    return isApiError(tb.error, 404) || isApiError(tb.error, 400) ? (
      <NotFoundPage />
    ) : (
      <ErrorAlert error={tb.error} />
    );
  const t = tb.data;
  const loopHopIds = new Set(
    (events.data ?? [])
      .filter((e) => e.type === 'traceback.flagged' && e.data.flag === 'loop' && e.hopId)
      .map((e) => e.hopId as string),
  );
  const staff = STAFF.includes(user.role);
  const forward = t.kind === 'forward';
  return (
    <Stack gap="lg">
      <PageTitle
        title={`${forward ? 'Forward request' : 'Traceback'} ${formatPhone(t.call.callingNumber)}`}
        right={
          <Group gap="xs">
            {t.evidence?.can.build && (
              <EvidencePackageButton
                path={`/tracebacks/${t.id}/evidence-packages`}
                onBuilt={() => void events.refetch()}
              />
            )}
            <TracebackActions traceback={t} />
          </Group>
        }
      >
        <Group gap="sm" component="span">
          <span>
            {forward ? 'Who holds ' : 'Call from '}
            <Phone e164={t.call.callingNumber} />
          </span>
          <TracebackStatus status={t.status} outcome={t.outcome} />
          {t.urgent && (
            <Badge color="red" variant="filled" tt="none" data-urgent>
              Urgent: every hop due within hours, business hours ignored
            </Badge>
          )}
          {t.flags.map((f) => (
            <Badge key={f} color="grape" variant="light" tt="none">
              {f === 'loop' ? 'Loop in the path' : (INCONSISTENCY_LABEL[f] ?? f)}
            </Badge>
          ))}
        </Group>
      </PageTitle>
      <CallCard traceback={t} linkCampaign={staff} />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          {forward ? 'Asked' : 'Path'}
        </Title>
        <PathChain traceback={t} loopHopIds={loopHopIds} linkProviders={staff} />
        <PathEnd traceback={t} />
      </Paper>
      {t.origin && <OriginCard traceback={t} />}
      <ShakenPanel traceback={t} />
      <Referrals traceback={t} />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          Timeline
        </Title>
        {events.isPending && <Skeleton h={120} />}
        {events.isError && <ErrorAlert error={events.error} title="Could not load the timeline" />}
        {events.data && <EventTimeline events={events.data} hops={t.hops} />}
      </Paper>
    </Stack>
  );
}

function CallCard({ traceback: t, linkCampaign }: { traceback: TTraceback; linkCampaign: boolean }) {
  const campaign = useCampaign(linkCampaign ? t.campaignId : null);
  // A forward request has no call: the number asked about, and when the campaign's calls last spoke it.
  const forward = t.kind === 'forward';
  return (
    <Paper withBorder p="md">
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <SimpleGrid cols={{ base: 1, xs: 2 }} component="dl" m={0} spacing="sm">
            <Field label={forward ? "Last heard in the campaign's calls" : 'Call time'}>
              <CallTime iso={t.call.startedAt} />
            </Field>
            {forward ? (
              <Field label="Callback number">
                <Phone e164={t.call.callingNumber} />
              </Field>
            ) : (
              <Field label="Calling → called">
                <Phone e164={t.call.callingNumber} /> → <Phone e164={t.call.calledNumber} />
              </Field>
            )}
            <Field label="Opened">
              <DateTime iso={t.openedAt} />
            </Field>
            <Field label="Closed">
              <DateTime iso={t.closedAt} />
            </Field>
            <Field label="Campaign">
              {!t.campaignId ? (
                '—'
              ) : campaign.data ? (
                <Anchor component={Link} to={`/campaigns/${t.campaignId}`} size="sm">
                  {campaign.data.name}
                </Anchor>
              ) : linkCampaign ? (
                <Skeleton h={14} w={120} component="span" display="inline-block" />
              ) : (
                'Linked'
              )}
              {campaign.data?.category && (
                <Text span size="xs" c="dimmed">
                  {' '}
                  · {CATEGORY_LABEL[campaign.data.category] ?? campaign.data.category}
                </Text>
              )}
            </Field>
            <Field label="Hops">
              {t.hops.filter((h) => h.line === 'path' && h.status !== 'withdrawn').length}
            </Field>
          </SimpleGrid>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="sm">
            {t.note && (
              <div>
                <Text size="xs" c="dimmed" fw={600} tt="uppercase">
                  Note
                </Text>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {t.note}
                </Text>
              </div>
            )}
            {!forward && (
              <div>
                <Text size="xs" c="dimmed" fw={600} tt="uppercase">
                  Identity header
                </Text>
                {t.identityHeader ? (
                  <Spoiler maxHeight={48} showLabel="Show all" hideLabel="Show less">
                    <Code block className="mono-wrap" fz={11}>
                      {t.identityHeader}
                    </Code>
                  </Spoiler>
                ) : (
                  <Text size="sm">None received</Text>
                )}
              </div>
            )}
          </Stack>
        </Grid.Col>
      </Grid>
    </Paper>
  );
}

/** How the path ends, or what it waits for, in one line under the chain. */
function PathEnd({ traceback: t }: { traceback: TTraceback }) {
  const path = t.hops.filter((h) => h.line === 'path');
  const waiting = path.find((h) => h.status === 'pending');
  const last = path[path.length - 1];
  let text: string | null = null;
  const forward = t.kind === 'forward';
  const entry = t.entryPointProviderId
    ? path.find((h) => h.providerId === t.entryPointProviderId)
    : undefined;
  if (t.status === 'open' && waiting) text = `Waiting for ${waiting.providerName} to answer.`;
  else if (forward && t.outcome === 'origin_identified' && last)
    text = `${last.providerName}: the number is its customer's.`;
  else if (forward && t.outcome === 'dead_end' && last)
    text = `${last.providerName}: the number is not its customer's.`;
  else if (t.status === 'open')
    text = 'Open with no request waiting: reopen it with the next provider to ask, or close it.';
  else if (t.outcome === 'origin_identified' && last) text = `${last.providerName} originated the call.`;
  else if (t.outcome === 'non_responsive' && last)
    text = `Stopped: ${last.providerName} did not answer in time.`;
  else if (t.outcome === 'dead_end' && last)
    text = `Stopped: ${last.providerName} has no record of the call.`;
  else if (t.outcome === 'foreign_origin')
    text = entry
      ? `The call entered the US from abroad at ${entry.providerName} (entry point).`
      : 'The call entered the country from abroad at the last provider shown.';
  else if (t.outcome === 'cancelled') text = 'Cancelled by staff.';
  return text ? (
    <Text size="sm" mt="sm" data-testid="path-end">
      {text}
    </Text>
  ) : null;
}

function OriginCard({ traceback: t }: { traceback: TTraceback }) {
  const o = t.origin;
  if (!o) return null;
  return (
    <Paper withBorder p="md" bg="yellow.0">
      <Group gap="xs" mb="xs">
        <IconLock />
        <Title order={2} size="h4">
          {t.kind === 'forward' ? 'Customer behind the number (CPNI)' : 'Origin customer (CPNI)'}
        </Title>
      </Group>
      <Alert color="yellow" variant="light" mb="sm" p="xs">
        Customer proprietary network information: for consortium staff and the agencies this traceback is
        referred to. Your view of it is recorded in the timeline.
      </Alert>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} component="dl" m={0}>
        <Field label="Customer">{o.customer.name}</Field>
        <Field label="Address">{o.customer.address ?? '—'}</Field>
        <Field label="Contact">{o.customer.contact ?? '—'}</Field>
        <Field label="Account">{o.customer.accountRef ?? '—'}</Field>
        <Field label="Action taken">{ACTION_LABEL[o.action]}</Field>
      </SimpleGrid>
    </Paper>
  );
}
