import type { TCampaignDetail, TOutcome, TTracebackListItem } from '@hoptrace/contracts';
import { Anchor, Badge, Group, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import {
  CallTime,
  Countdown,
  DateTime,
  Phone,
  SortableTh,
  TracebackStatus,
  type SortDirection,
} from './common';

/** A provider a row links to (its origin or US entry point). */
interface ProviderRef {
  id: string;
  name: string;
}

/**
 * One traceback as a table row shows it. Lists of tracebacks come in two shapes (the traceback
 * list and a campaign's own tracebacks); both are turned into this, and one table draws them.
 */
export interface TracebackRow {
  id: string;
  callStartedAt: string;
  callingNumber: string;
  calledNumber?: string | null | undefined;
  /** A forward request: a question about a callback number, not a call (its "call time" is when the number was last heard). */
  forward?: boolean;
  status: 'open' | 'closed';
  outcome: TOutcome | null;
  loop?: boolean;
  urgent?: boolean;
  campaign?: string | undefined;
  nowAt?: string | undefined;
  hops?: number;
  openedAt?: string;
  /** The pending hop's deadline, and whether it has passed. */
  dueAt?: string | null;
  overdue?: boolean;
  origin?: ProviderRef | null;
  entryPoint?: ProviderRef | null;
}

/** Columns beyond the call, its numbers and its status, which every table shows. */
export type TracebackColumn = 'campaign' | 'nowAt' | 'due' | 'hops' | 'origin' | 'entryPoint' | 'opened';

const HEADER: Record<TracebackColumn, string> = {
  campaign: 'Campaign',
  nowAt: 'Now at',
  due: 'Due',
  hops: 'Hops',
  origin: 'Origin',
  entryPoint: 'Entry point',
  opened: 'Opened',
};
// Status sits between the provider columns and the opening time, wherever a table shows them.
const BEFORE_STATUS: TracebackColumn[] = ['campaign', 'nowAt', 'due', 'hops', 'origin', 'entryPoint'];

/** Headers that sort the list (on the server): each names the list's sort it asks for. */
export interface TableSort {
  current: string;
  columns: Partial<Record<TracebackColumn, { sort: string; direction: SortDirection }>>;
  onSort: (sort: string) => void;
}

/** Rows from the traceback list, with the names the page looked up (`…` while they load). */
export function rowsOfList(
  items: TTracebackListItem[],
  lookups: { providers?: Map<string, string>; campaigns?: Map<string, string> } = {},
): TracebackRow[] {
  return items.map((t) => ({
    id: t.id,
    callStartedAt: t.call.startedAt,
    callingNumber: t.call.callingNumber,
    calledNumber: t.call.calledNumber,
    forward: t.kind === 'forward',
    status: t.status,
    outcome: t.outcome,
    loop: t.flags.includes('loop'),
    urgent: t.urgent,
    campaign: t.campaignId ? (lookups.campaigns?.get(t.campaignId) ?? '…') : '—',
    // A closed traceback is at no one: its last provider is in its path, not waiting.
    nowAt:
      t.status === 'open' && t.currentProviderId ? (lookups.providers?.get(t.currentProviderId) ?? '…') : '—',
    hops: t.hopCount,
    openedAt: t.openedAt,
    dueAt: t.dueAt,
    overdue: t.overdue,
  }));
}

/** Rows from a campaign's page, which names each traceback's origin and entry point. */
export function rowsOfCampaign(items: TCampaignDetail['tracebacks']): TracebackRow[] {
  return items.map((t) => ({
    id: t.id,
    callStartedAt: t.callStartedAt,
    callingNumber: t.callingNumber,
    status: t.status === 'closed' ? 'closed' : 'open',
    outcome: t.outcome as TOutcome | null,
    hops: t.hops,
    openedAt: t.openedAt,
    origin: t.origin,
    entryPoint: t.entryPoint,
  }));
}

function ProviderCell({ provider }: { provider: ProviderRef | null | undefined }) {
  if (!provider) return <Text size="sm">—</Text>;
  return (
    <Anchor component={Link} to={`/providers/${provider.id}`} size="sm">
      {provider.name}
    </Anchor>
  );
}

function Cell({ row, column }: { row: TracebackRow; column: TracebackColumn }) {
  switch (column) {
    case 'campaign':
    case 'nowAt':
      return (
        <Text size="sm" truncate maw={150}>
          {row[column] ?? '—'}
        </Text>
      );
    case 'due':
      if (!row.dueAt) return <Text size="sm">—</Text>;
      return (
        <Group gap={4} wrap="nowrap" className="no-shrink">
          <Countdown dueAt={row.dueAt} />
          {row.overdue && (
            <Badge color="red" variant="light" tt="none" size="sm">
              Overdue
            </Badge>
          )}
        </Group>
      );
    case 'hops':
      return <span className="tabular">{row.hops ?? '—'}</span>;
    case 'origin':
      return <ProviderCell provider={row.origin} />;
    case 'entryPoint':
      return <ProviderCell provider={row.entryPoint} />;
    case 'opened':
      return (
        <Text size="sm">
          <DateTime iso={row.openedAt} compact />
        </Text>
      );
  }
}

function Header({ column, sort }: { column: TracebackColumn; sort: TableSort | undefined }) {
  const by = sort?.columns[column];
  if (!sort || !by) return <Table.Th>{HEADER[column]}</Table.Th>;
  return (
    <SortableTh
      label={HEADER[column]}
      active={sort.current === by.sort}
      direction={by.direction}
      onSort={() => sort.onSort(by.sort)}
    />
  );
}

/** Tracebacks as a table: the call (a link to the traceback), its numbers, the chosen columns, its status. */
export function TracebackTable({
  rows,
  columns = [],
  label,
  minWidth = 520,
  striped = false,
  sort,
}: {
  sort?: TableSort | undefined;
  rows: TracebackRow[];
  columns?: TracebackColumn[];
  label: string;
  minWidth?: number;
  striped?: boolean;
}) {
  const before = BEFORE_STATUS.filter((c) => columns.includes(c));
  const after = columns.includes('opened') ? (['opened'] as const) : [];
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped={striped} highlightOnHover={striped} verticalSpacing="xs" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Call</Table.Th>
            <Table.Th>{rows.some((r) => r.calledNumber) ? 'From → to' : 'From'}</Table.Th>
            {before.map((c) => (
              <Header key={c} column={c} sort={sort} />
            ))}
            <Table.Th>Status</Table.Th>
            {after.map((c) => (
              <Header key={c} column={c} sort={sort} />
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((t) => (
            <Table.Tr key={t.id} data-traceback-id={t.id}>
              <Table.Td>
                <Anchor component={Link} to={`/tracebacks/${t.id}`} size="sm">
                  <CallTime iso={t.callStartedAt} compact />
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  <Phone e164={t.callingNumber} />
                  {t.forward && (
                    <Badge color="cyan" variant="light" tt="none" size="sm" ml={6}>
                      Forward request
                    </Badge>
                  )}
                  {t.calledNumber && (
                    <>
                      {' '}
                      → <Phone e164={t.calledNumber} />
                    </>
                  )}
                </Text>
              </Table.Td>
              {before.map((c) => (
                <Table.Td key={c}>
                  <Cell row={t} column={c} />
                </Table.Td>
              ))}
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Group gap={4} wrap="nowrap" className="no-shrink">
                  <TracebackStatus status={t.status} outcome={t.outcome} />
                  {t.loop && (
                    <Badge color="grape" variant="light" tt="none">
                      Loop
                    </Badge>
                  )}
                  {t.urgent && (
                    <Badge color="red" variant="filled" tt="none" data-urgent>
                      Urgent
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              {after.map((c) => (
                <Table.Td key={c}>
                  <Cell row={t} column={c} />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
