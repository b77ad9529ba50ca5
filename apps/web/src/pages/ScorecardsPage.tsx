import {
  COOPERATION_CRITERIA,
  ZCooperationPolicy,
  type TCooperationPolicy,
  type TScorecardRow,
} from '@hoptrace/contracts';
import {
  Anchor,
  Badge,
  Button,
  Group,
  NumberInput,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, qs, request } from '../api/client';
import { keys, useCooperationPolicy, useScorecards, type ScorecardFilters } from '../api/queries';
import {
  DateTime,
  ErrorAlert,
  FormError,
  Loading,
  PageTitle,
  SectionCard,
  ShowMore,
} from '../components/common';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { COOPERATION_COLOR, COOPERATION_LABEL, formatShare } from '../lib/labels';
import { formatHours } from '../lib/time';
import { useUser } from '../session';

/** The columns a person can sort by, with the key the API sorts on. */
const COLUMNS: Array<{ key: string; label: string; numeric?: boolean }> = [
  { key: 'name', label: 'Provider' },
  { key: 'status', label: 'Status' },
  { key: 'requested', label: 'Requests', numeric: true },
  { key: 'late', label: 'Late', numeric: true },
  { key: 'never', label: 'Never answered', numeric: true },
  { key: 'neverShare', label: 'Never %', numeric: true },
  { key: 'medianHours', label: 'Median', numeric: true },
  { key: 'asOrigin', label: 'Origin', numeric: true },
  { key: 'asEntryPoint', label: 'Entry point', numeric: true },
  { key: 'campaigns', label: 'Campaigns', numeric: true },
];

/** Every provider's scorecard (staff): sortable, filterable, exportable; and the non-cooperation policy. */
export function ScorecardsPage() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const filters: ScorecardFilters = {
    sort: params.get('sort') ?? '-status',
    status: params.get('status') ?? undefined,
    country: params.get('country') ?? undefined,
    q: debounced || undefined,
  };
  const list = useScorecards(filters);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const windowDays = list.data?.pages[0]?.windowDays;
  const asOf = list.data?.pages[0]?.asOf;
  const queryClient = useQueryClient();
  const recompute = useMutation({
    mutationFn: () => request<{ computedAt: string }>('POST', '/scorecards/refresh'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.cooperation }),
  });
  const set = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const sortBy = (key: string) => {
    const current = filters.sort;
    // A number column starts with the largest; a click on the sorted column turns it round.
    const first = key === 'name' ? key : `-${key}`;
    set('sort', current === first ? (first.startsWith('-') ? key : `-${key}`) : first);
  };
  const csvHref = `/api/v1/scorecards${qs({ ...filters, format: 'csv' })}`;
  return (
    <Stack gap="lg">
      <PageTitle
        title="Scorecards"
        right={
          <Button component="a" href={csvHref} variant="light" download="scorecards.csv">
            Export CSV
          </Button>
        }
      >
        Provider scorecards
      </PageTitle>
      <Text size="sm" c="dimmed" maw={760}>
        Requests over the last {windowDays ?? '…'} days. The status is computed by the non-cooperation policy
        below; it is shown to nobody outside the consortium until staff confirm it on the provider&apos;s
        page.
      </Text>
      <Group gap="xs">
        <Text size="sm" c="dimmed" data-testid="scorecards-as-of" data-as-of={asOf}>
          Figures as of {asOf ? <DateTime iso={asOf} /> : '…'} (recomputed every five minutes)
        </Text>
        <Button
          size="compact-sm"
          variant="subtle"
          onClick={() => recompute.mutate()}
          loading={recompute.isPending}
        >
          Recompute now
        </Button>
      </Group>
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Provider name"
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            set('q', e.currentTarget.value.trim() || null);
          }}
          w={240}
        />
        <Select
          label="Status"
          clearable
          placeholder="Any"
          data={[
            { value: 'non_cooperative', label: 'Non-cooperative' },
            { value: 'watch', label: 'Watch' },
            { value: 'cooperative', label: 'Cooperative' },
          ]}
          value={filters.status ?? null}
          onChange={(v) => set('status', v)}
          w={200}
        />
        <TextInput
          label="Country"
          placeholder="US"
          maxLength={2}
          value={filters.country ?? ''}
          onChange={(e) => set('country', e.currentTarget.value.trim().toUpperCase() || null)}
          w={100}
        />
      </Group>
      {list.isPending && <Loading label="Loading scorecards" />}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && items.length === 0 && (
        <Text size="sm" c="dimmed">
          No provider with requests matches.
        </Text>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={960}>
          <Table striped highlightOnHover aria-label="Scorecards" data-testid="scorecards">
            <Table.Thead>
              <Table.Tr>
                {COLUMNS.map((c) => {
                  const sorted = filters.sort.replace(/^-/, '') === c.key;
                  const desc = filters.sort.startsWith('-');
                  return (
                    <Table.Th
                      key={c.key}
                      ta={c.numeric ? 'right' : undefined}
                      aria-sort={sorted ? (desc ? 'descending' : 'ascending') : 'none'}
                    >
                      <UnstyledButton onClick={() => sortBy(c.key)} fw={600} fz="sm">
                        {c.label}
                        {sorted ? (desc ? ' ↓' : ' ↑') : ''}
                      </UnstyledButton>
                    </Table.Th>
                  );
                })}
                <Table.Th>RMD</Table.Th>
                <Table.Th ta="right">Warned/terminated</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => (
                <ScorecardTr key={r.providerId} r={r} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMore list={list} centered />
      <PolicyPanel editable={user.role === 'admin'} />
    </Stack>
  );
}

function ScorecardTr({ r }: { r: TScorecardRow }) {
  const d = r.determination;
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/providers/${r.providerId}`} size="sm" fw={600}>
          {r.providerName}
        </Anchor>
        <Text size="xs" c="dimmed">
          {r.country}
        </Text>
      </Table.Td>
      <Table.Td miw={150}>
        <Badge color={COOPERATION_COLOR[r.status]} variant="light" tt="none" style={{ overflow: 'visible' }}>
          {COOPERATION_LABEL[r.status]}
        </Badge>
        {d && (
          <Text size="xs" c="dimmed">
            {d.decision === 'confirmed' ? 'Confirmed' : 'Dismissed'}{' '}
            {COOPERATION_LABEL[d.status].toLowerCase()}
            {d.published ? ', published' : ''}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {r.requested}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {r.late}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {r.never}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {formatShare(r.neverShare)}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {formatHours(r.medianHours)}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {r.asOrigin}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {r.asEntryPoint}
      </Table.Td>
      <Table.Td ta="right" className="tabular">
        {r.campaigns}
      </Table.Td>
      <Table.Td>{r.rmd === 'unknown' ? '—' : r.rmd}</Table.Td>
      <Table.Td ta="right" className="tabular">
        {formatShare(r.warnedOrTerminatedShare)}
      </Table.Td>
    </Table.Tr>
  );
}

const CRITERION_LABEL: Record<(typeof COOPERATION_CRITERIA)[number], string> = {
  nonResponsive: 'Unanswered past the deadline',
  refused: 'Refused (no refusal answer yet: counts 0)',
  noUpstreamNamed: 'Answered naming neither upstream nor origin',
  origin: 'Origin of traced traffic',
  entryPoint: 'Entry point of traffic from abroad',
  letters: 'Cease-and-desist letters (none on file yet: counts 0)',
};

/** The non-cooperation policy: staff read it, admins change it. */
function PolicyPanel({ editable }: { editable: boolean }) {
  const queryClient = useQueryClient();
  const policy = useCooperationPolicy();
  const [draft, setDraft] = useState<TCooperationPolicy | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  useEffect(() => {
    if (policy.data) setDraft(policy.data);
  }, [policy.data]);
  const save = useMutation({
    mutationFn: (body: TCooperationPolicy) =>
      request<TCooperationPolicy>('PUT', '/cooperation/policy', { body }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(keys.cooperationPolicy, saved);
      await queryClient.invalidateQueries({ queryKey: keys.cooperation });
      notifications.show({ color: 'teal', title: 'Policy saved', message: 'Statuses are computed anew.' });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = ZCooperationPolicy.safeParse(draft);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  }
  const threshold = (c: (typeof COOPERATION_CRITERIA)[number], k: 'watchAt' | 'nonCooperativeAt') => (
    <NumberInput
      label={k === 'watchAt' ? 'Watch at' : 'Non-cooperative at'}
      min={1}
      value={draft?.[c][k] ?? ''}
      placeholder="never"
      disabled={!editable}
      onChange={(v) =>
        setDraft((d) => (d ? { ...d, [c]: { ...d[c], [k]: v === '' ? null : Number(v) } } : d))
      }
      error={errors[`${c}.${k}`]}
      w={150}
    />
  );
  return (
    <SectionCard title="Non-cooperation policy" testId="cooperation-policy">
      <Text size="sm" c="dimmed" mb="sm" maw={760}>
        Each criterion counts over the window; at its first number a provider is on watch, at its second it is
        non-cooperative (empty: never). The worst criterion decides.{' '}
        {editable ? '' : 'Admins change the policy.'}
      </Text>
      {policy.isPending && <Skeleton h={80} />}
      {policy.isError && <ErrorAlert error={policy.error} />}
      {draft && (
        <form onSubmit={submit} noValidate aria-label="Non-cooperation policy">
          <Stack gap="sm">
            <FormError error={save.error} shownFields={Object.keys(errors)} />
            <NumberInput
              label="Window"
              description="days of requests counted"
              min={1}
              max={3650}
              value={draft.windowDays}
              disabled={!editable}
              onChange={(v) => setDraft((d) => (d ? { ...d, windowDays: Number(v) } : d))}
              error={errors.windowDays}
              w={200}
            />
            {COOPERATION_CRITERIA.map((c) => (
              <Group key={c} align="flex-end" gap="sm">
                <Text size="sm" w={320}>
                  {CRITERION_LABEL[c]}
                </Text>
                {threshold(c, 'watchAt')}
                {threshold(c, 'nonCooperativeAt')}
              </Group>
            ))}
            <Group gap="sm">
              {(['rmdAbsent', 'rmdRemoved'] as const).map((k) => (
                <Select
                  key={k}
                  label={k === 'rmdAbsent' ? 'No RMD filing' : 'Removed from the RMD'}
                  description="once an RMD export is imported"
                  data={[
                    { value: 'none', label: 'No effect' },
                    { value: 'watch', label: 'Watch' },
                    { value: 'non_cooperative', label: 'Non-cooperative' },
                  ]}
                  value={draft[k]}
                  disabled={!editable}
                  allowDeselect={false}
                  onChange={(v) => setDraft((d) => (d && v ? { ...d, [k]: v } : d))}
                  w={220}
                />
              ))}
            </Group>
            {editable && (
              <Group>
                <Button type="submit" loading={save.isPending}>
                  Save the policy
                </Button>
              </Group>
            )}
          </Stack>
        </form>
      )}
    </SectionCard>
  );
}
