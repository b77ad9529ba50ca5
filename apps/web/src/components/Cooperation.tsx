import type { TDetermination, TScorecard } from '@hoptrace/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Textarea,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { request } from '../api/client';
import { keys, useDeterminations, useScorecard } from '../api/queries';
import { COOPERATION_COLOR, COOPERATION_LABEL, formatShare } from '../lib/labels';
import { formatHours } from '../lib/time';
import { DateTime, ErrorAlert, Field, FormError, SectionCard } from './common';

const CRITERION_SHORT: Record<string, string> = {
  nonResponsive: 'unanswered',
  noUpstreamNamed: 'named nobody',
  origin: 'origin',
  entryPoint: 'entry point',
};

/** The cooperation status as a badge: what the policy computed (staff) or what staff confirmed (the provider). */
export function CooperationBadge({ providerId }: { providerId: string }) {
  const card = useScorecard(providerId);
  if (!card.data) return null;
  const s = card.data.status;
  return (
    <Badge color={COOPERATION_COLOR[s]} variant={s === 'cooperative' ? 'outline' : 'filled'} tt="none">
      {COOPERATION_LABEL[s]}
      {card.data.statusSource === 'computed' && s !== 'cooperative' ? ' (computed)' : ''}
    </Badge>
  );
}

/** A provider's scorecard; for staff, the evidence behind its status and the review that confirms it. */
export function ScorecardSection({ providerId, staff }: { providerId: string; staff: boolean }) {
  const card = useScorecard(providerId);
  return (
    <SectionCard title="Scorecard" testId="scorecard">
      {card.isPending && <Skeleton h={160} />}
      {card.isError && <ErrorAlert error={card.error} />}
      {card.data && <ScorecardBody c={card.data} staff={staff} />}
    </SectionCard>
  );
}

function ScorecardBody({ c, staff }: { c: TScorecard; staff: boolean }) {
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Requests since <DateTime iso={c.from} dateOnly /> ({c.windowDays} days).
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 4, md: 6 }} component="dl" m={0}>
        <Field label="Requests">{c.requested}</Field>
        <Field label="Answered on time">{c.answeredOnTime}</Field>
        <Field label="Late">{c.late}</Field>
        <Field label="Never answered">
          {c.never} ({formatShare(c.neverShare)})
        </Field>
        <Field label="Median response">{formatHours(c.medianHours)}</Field>
        <Field label="90th percentile">{formatHours(c.p90Hours)}</Field>
        <Field label="As origin">{c.asOrigin}</Field>
        <Field label="As entry point">{c.asEntryPoint}</Field>
        <Field label="As a hop">{c.asHop}</Field>
        <Field label="Campaigns carried">{c.campaigns}</Field>
        <Field label="Callers warned or terminated">
          {formatShare(c.warnedOrTerminatedShare)} of {c.originActions}
        </Field>
        <Field label="RMD">{c.rmd === 'unknown' ? 'no RMD imported' : c.rmd}</Field>
        <Field label="Letters on file">{c.letters}</Field>
      </SimpleGrid>
      <Table aria-label="Per month" fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Month</Table.Th>
            <Table.Th ta="right">Requests</Table.Th>
            <Table.Th ta="right">On time</Table.Th>
            <Table.Th ta="right">Late</Table.Th>
            <Table.Th ta="right">Never</Table.Th>
            <Table.Th ta="right">Median</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {c.months
            .filter((m) => m.requested > 0)
            .map((m) => (
              <Table.Tr key={m.month}>
                <Table.Td>{m.month.slice(0, 7)}</Table.Td>
                <Table.Td ta="right">{m.requested}</Table.Td>
                <Table.Td ta="right">{m.answeredOnTime}</Table.Td>
                <Table.Td ta="right">{m.late}</Table.Td>
                <Table.Td ta="right">{m.never}</Table.Td>
                <Table.Td ta="right">{formatHours(m.medianHours)}</Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
      {staff && <Review c={c} />}
    </Stack>
  );
}

/** The computed status with its reasons and tracebacks; confirm or dismiss it; publish a confirmed one. */
function Review({ c }: { c: TScorecard }) {
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const history = useDeterminations(c.providerId, true);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.cooperation });
  const review = useMutation({
    mutationFn: (body: { decision: 'confirmed' | 'dismissed'; publish: boolean }) =>
      request<TDetermination>('POST', `/providers/${c.providerId}/determinations`, {
        body: { ...body, expectedStatus: c.status, ...(note.trim() ? { note: note.trim() } : {}) },
      }),
    onSuccess: async (d) => {
      setNote('');
      notifications.show({
        color: 'teal',
        title: d.decision === 'confirmed' ? 'Determination confirmed' : 'Determination dismissed',
        message: `${COOPERATION_LABEL[d.status]}${d.published ? ', published' : ''}`,
      });
      await refresh();
    },
  });
  const publish = useMutation({
    mutationFn: (v: { id: string; published: boolean }) =>
      request<TDetermination>('PATCH', `/determinations/${v.id}`, { body: { published: v.published } }),
    onSuccess: refresh,
  });
  const byCriterion = new Map<string, number>();
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Text fw={600} size="sm">
          Computed status:
        </Text>
        <Badge color={COOPERATION_COLOR[c.status]} variant="light" tt="none">
          {COOPERATION_LABEL[c.status]}
        </Badge>
      </Group>
      {c.evidence.reasons.length > 0 ? (
        <Stack gap={2} component="ul" m={0} pl="md">
          {c.evidence.reasons.map((r) => (
            <Text key={r.criterion} size="sm" component="li">
              {r.text}
            </Text>
          ))}
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">
          Nothing in the evidence raises it.
        </Text>
      )}
      {c.evidence.tracebacks.length > 0 && (
        <Text size="sm">
          Tracebacks behind it:{' '}
          {c.evidence.tracebacks
            .filter((t) => {
              const n = (byCriterion.get(t.criterion) ?? 0) + 1;
              byCriterion.set(t.criterion, n);
              return n <= 5;
            })
            .map((t, i) => (
              <span key={`${t.tracebackId}-${t.criterion}`}>
                {i > 0 && ', '}
                <Anchor component={Link} to={`/tracebacks/${t.tracebackId}`}>
                  {t.tracebackId.slice(0, 8)}
                </Anchor>{' '}
                <Text span size="xs" c="dimmed">
                  ({CRITERION_SHORT[t.criterion] ?? t.criterion})
                </Text>
              </span>
            ))}
        </Text>
      )}
      <Textarea
        label="Note for the record"
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
        maxLength={2000}
        autosize
        minRows={1}
      />
      <FormError error={review.error ?? publish.error} />
      <Group gap="xs">
        <Button
          onClick={() => review.mutate({ decision: 'confirmed', publish: false })}
          loading={review.isPending}
        >
          Confirm {COOPERATION_LABEL[c.status].toLowerCase()}
        </Button>
        {c.status === 'non_cooperative' && (
          <Button
            color="red"
            variant="light"
            onClick={() => review.mutate({ decision: 'confirmed', publish: true })}
            loading={review.isPending}
          >
            Confirm and publish
          </Button>
        )}
        <Button
          variant="default"
          onClick={() => review.mutate({ decision: 'dismissed', publish: false })}
          loading={review.isPending}
        >
          Dismiss
        </Button>
      </Group>
      {history.data && history.data.items.length > 0 && (
        <Table aria-label="Determinations" fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Decided</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Decision</Table.Th>
              <Table.Th>Note</Table.Th>
              <Table.Th>Published</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {history.data.items.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>
                  <DateTime iso={d.decidedAt} />
                </Table.Td>
                <Table.Td>{COOPERATION_LABEL[d.status]}</Table.Td>
                <Table.Td>{d.decision}</Table.Td>
                <Table.Td>{d.note ?? ''}</Table.Td>
                <Table.Td>
                  {d.decision === 'confirmed' ? (
                    <Button
                      size="compact-xs"
                      variant="light"
                      onClick={() => publish.mutate({ id: d.id, published: !d.published })}
                    >
                      {d.published ? 'Withdraw' : 'Publish'}
                    </Button>
                  ) : (
                    '—'
                  )}
                  {d.published && (
                    <Text span size="xs" ml={6}>
                      since <DateTime iso={d.publishedAt} dateOnly />
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Alert variant="light" color="gray">
        A published non-cooperative determination is what lets the provider be named publicly; the latest
        confirmed determination governs.
      </Alert>
    </Stack>
  );
}
