import type { TOutcome, THopStatus } from '@hoptrace/contracts';
import {
  Alert,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
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
import { CALL_TIME_ZONE, countdown, formatInstant, formatUtc, tickFor } from '../lib/time';
import { IconAlert, IconClock } from './icons';

/**
 * A date, its zone named: the viewer's own unless `timeZone` says otherwise (a provider's deadlines in
 * its own zone, a call in UTC). On hover, the same instant in the other zone people need: UTC, or the
 * viewer's own when the date is shown in another.
 */
export function DateTime({
  iso,
  dateOnly = false,
  compact = false,
  timeZone,
}: {
  iso: string | null | undefined;
  dateOnly?: boolean;
  compact?: boolean;
  timeZone?: string | undefined;
}) {
  if (!iso) return <Text span>—</Text>;
  const text = formatInstant(iso, { style: dateOnly ? 'date' : compact ? 'compact' : 'full', timeZone });
  const hover = timeZone ? `${formatInstant(iso)}, your time` : formatUtc(iso);
  return (
    <Tooltip label={hover} withArrow openDelay={200}>
      <time dateTime={iso} className="tabular" style={{ whiteSpace: 'nowrap' }}>
        {text}
      </time>
    </Tooltip>
  );
}

/** The time of a call, in the zone it is entered in and call records use (UTC). */
export function CallTime(props: { iso: string | null | undefined; compact?: boolean }) {
  return <DateTime {...props} timeZone={CALL_TIME_ZONE} />;
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

/** A deadline counting down; on hover, when it falls (in `timeZone`, a provider's own, else the viewer's). */
export function Countdown({
  dueAt,
  size = 'sm',
  timeZone,
}: {
  dueAt: string;
  size?: 'sm' | 'md' | 'lg';
  timeZone?: string | undefined;
}) {
  const now = useNow(dueAt);
  const c = countdown(dueAt, now);
  return (
    <Tooltip label={`Due ${formatInstant(dueAt, { timeZone })} · ${formatUtc(dueAt)}`} withArrow>
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

/**
 * A titled section of a page: a bordered card with its h2 (and how many things it holds, when it is a
 * list) and, on the right, its own actions or links.
 */
export function SectionCard({
  title,
  count,
  right,
  children,
  testId,
}: {
  title: string;
  count?: number | undefined;
  right?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title} data-testid={testId}>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Group gap="xs" wrap="nowrap">
          <Title order={2} size="h4">
            {title}
          </Title>
          {count !== undefined && (
            <Badge variant="light" color="gray" tt="none" className="tabular" data-count={count}>
              {count}
            </Badge>
          )}
        </Group>
        {right}
      </Group>
      {children}
    </Paper>
  );
}

/** The "Show more" pager under a cursor-paged list (an infinite query); nothing when there is no next page. */
export function ShowMore({
  list,
  centered = false,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };
  centered?: boolean;
}) {
  if (!list.hasNextPage) return null;
  const button = (
    <Button
      variant="light"
      w="fit-content"
      onClick={() => void list.fetchNextPage()}
      loading={list.isFetchingNextPage}
    >
      Show more
    </Button>
  );
  return centered ? (
    <Group justify="center" mt="md">
      {button}
    </Group>
  ) : (
    <Group mt="xs">{button}</Group>
  );
}

/**
 * What went wrong with a form's request, above the form: the problem's message, and the field
 * errors of fields the form does not show (those it shows carry their own message).
 */
export function FormError({
  error,
  shownFields = [],
}: {
  error: Error | null | undefined;
  shownFields?: string[];
}) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.fieldErrors : {};
  const elsewhere = Object.entries(fields).filter(([k]) => !shownFields.includes(k));
  if (Object.keys(fields).length > 0 && elsewhere.length === 0) return null;
  return (
    <Alert color="red" role="alert" icon={<IconAlert />}>
      {elsewhere.length === 0
        ? error.message
        : elsewhere.map(([k, m]) => <div key={k}>{k === '(form)' ? m : `${k}: ${m}`}</div>)}
    </Alert>
  );
}

export type SortDirection = 'ascending' | 'descending';

/**
 * A column header that sorts its table: a button named by the column, the order in force announced
 * through aria-sort and drawn as an arrow.
 */
export function SortableTh({
  label,
  active,
  direction,
  onSort,
}: {
  label: string;
  active: boolean;
  direction: SortDirection;
  onSort: () => void;
}) {
  return (
    <Table.Th aria-sort={active ? direction : undefined} data-sort-active={active || undefined}>
      <UnstyledButton
        onClick={onSort}
        fz="sm"
        fw={700}
        title={`Sort by ${label.toLowerCase()}, ${direction === 'ascending' ? 'soonest or A–Z' : 'newest'} first`}
        style={{ whiteSpace: 'nowrap' }}
      >
        {label}
        {/* The order in force as an arrow; another column offers ↕ (in a grey that keeps 4.5:1). */}
        <Text span aria-hidden="true" ml={4} fz="sm" c={active ? undefined : 'gray.7'}>
          {active ? (direction === 'ascending' ? '↑' : '↓') : '↕'}
        </Text>
      </UnstyledButton>
    </Table.Th>
  );
}
