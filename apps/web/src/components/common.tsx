import type { TOutcome, THopStatus } from '@hoptrace/contracts';
import { Alert, Badge, Center, Group, Loader, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import {
  HOP_STATUS_COLOR,
  HOP_STATUS_LABEL,
  OUTCOME_COLOR,
  OUTCOME_HELP,
  OUTCOME_LABEL,
} from '../lib/labels';
import { formatPhone } from '../lib/phone';
import { countdown, formatLocal, formatLocalCompact, formatLocalDate, formatUtc, tickFor } from '../lib/time';
import { IconAlert, IconClock } from './icons';

/** A date in the viewer's time zone; the UTC instant on hover. */
export function DateTime({
  iso,
  dateOnly = false,
  compact = false,
}: {
  iso: string | null | undefined;
  dateOnly?: boolean;
  compact?: boolean;
}) {
  if (!iso) return <Text span>—</Text>;
  const text = dateOnly ? formatLocalDate(iso) : compact ? formatLocalCompact(iso) : formatLocal(iso);
  return (
    <Tooltip label={formatUtc(iso)} withArrow openDelay={200}>
      <time dateTime={iso} className="tabular" style={{ whiteSpace: 'nowrap' }}>
        {text}
      </time>
    </Tooltip>
  );
}

export function Phone({ e164 }: { e164: string }) {
  return (
    <Text span fz="inherit" className="tabular" style={{ whiteSpace: 'nowrap' }}>
      {formatPhone(e164)}
    </Text>
  );
}

/** Re-renders on a timer suited to the deadline: every second when close, else every 30 s. */
export function useNow(dueAt?: string): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setTimeout(() => setNow(Date.now()), dueAt ? tickFor(dueAt, now) : 30_000);
    return () => clearTimeout(id);
  }, [now, dueAt]);
  return now;
}

const URGENCY_COLOR = { overdue: 'red', soon: 'orange', later: 'blue' } as const;

export function Countdown({ dueAt, size = 'sm' }: { dueAt: string; size?: 'sm' | 'md' | 'lg' }) {
  const now = useNow(dueAt);
  const c = countdown(dueAt, now);
  return (
    <Tooltip label={`Due ${formatLocal(dueAt)} · ${formatUtc(dueAt)}`} withArrow>
      <Badge
        size={size}
        variant={c.urgency === 'later' ? 'light' : 'filled'}
        color={URGENCY_COLOR[c.urgency]}
        leftSection={c.urgency === 'overdue' ? <IconAlert size={12} /> : <IconClock size={12} />}
        className="tabular"
        tt="none"
        data-urgency={c.urgency}
      >
        {c.text}
      </Badge>
    </Tooltip>
  );
}

export function TracebackStatus({
  status,
  outcome,
}: {
  status: 'open' | 'closed';
  outcome: TOutcome | null;
}) {
  if (status === 'open' || !outcome)
    return (
      <Badge color="blue" variant="light" tt="none">
        Open
      </Badge>
    );
  return (
    <Tooltip label={OUTCOME_HELP[outcome]} withArrow>
      <Badge color={OUTCOME_COLOR[outcome]} variant="light" tt="none">
        {OUTCOME_LABEL[outcome]}
      </Badge>
    </Tooltip>
  );
}

export function HopStatus({ status }: { status: THopStatus }) {
  return (
    <Badge color={HOP_STATUS_COLOR[status]} variant="light" tt="none">
      {HOP_STATUS_LABEL[status]}
    </Badge>
  );
}

/** The page's one h1, also the document title, so screen reader users and tabs know where they are. */
export function PageTitle({
  children,
  title,
  right,
}: {
  children: ReactNode;
  title: string;
  right?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · hoptrace`;
  }, [title]);
  return (
    <Group justify="space-between" align="flex-start" mb="md" wrap="wrap" gap="sm">
      <Title order={1} size="h2">
        {children}
      </Title>
      {right}
    </Group>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite" data-loading>
      <Stack align="center" gap="xs">
        <Loader size="md" />
        <Text c="dimmed" size="sm">
          {label}…
        </Text>
      </Stack>
    </Center>
  );
}

export function ErrorAlert({ error, title = 'Could not load this' }: { error: unknown; title?: string }) {
  const detail = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title={title} icon={<IconAlert />} role="alert">
      {detail}
    </Alert>
  );
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase" component="dt">
        {label}
      </Text>
      <Text component="dd" m={0} size="sm">
        {children}
      </Text>
    </div>
  );
}
