import { OUTCOMES } from '../lib/contracts';
import { Button, EmptyState, Grid, Paper, Select, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useCampaigns, useProviderNames, useTracebacks, type TracebackFilters } from '../api/queries';
import { ErrorAlert, Loading, PageTitle, ShowMore } from '../components/common';
import { IconSearch } from '../components/icons';
import { ProviderPicker } from '../components/ProviderPicker';
import { rowsOfList, TracebackTable } from '../components/TracebackTable';
import { OUTCOME_LABEL } from '../lib/labels';
import { previewPhone } from '../lib/phoneInput';
import { endOfLocalDay, startOfLocalDay } from '../lib/time';
import { STAFF, useUser } from '../session';

const FILTER_KEYS = [
  'kind',
  'status',
  'outcome',
  'campaignId',
  'providerId',
  'number',
  'from',
  'to',
  'sort',
] as const;

/** Filters live in the URL, so a filtered list can be bookmarked and shared. */
function filtersFrom(params: URLSearchParams): TracebackFilters {
  const get = (k: string) => params.get(k) ?? undefined;
  const from = get('from');
  const to = get('to');
  return {
    kind: get('kind'),
    status: get('status'),
    sort: get('sort'),
    outcome: get('outcome'),
    campaignId: get('campaignId'),
    providerId: get('providerId'),
    number: get('number'),
    openedFrom: from ? startOfLocalDay(from) : undefined,
    openedBefore: to ? endOfLocalDay(to) : undefined,
  };
}

export function TracebacksPage() {
  const user = useUser();
  const staff = STAFF.includes(user.role);
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const list = useTracebacks(filters);
  const campaigns = useCampaigns(staff);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const names = useProviderNames(items.map((t) => t.currentProviderId));
  const campaignName = new Map((campaigns.data?.items ?? []).map((c) => [c.id, c.name]));
  const [number, setNumber] = useState(params.get('number') ?? '');
  const [numberError, setNumberError] = useState<string | null>(null);

  function set(key: (typeof FILTER_KEYS)[number], value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  function searchNumber(e: FormEvent) {
    e.preventDefault();
    const p = previewPhone(number);
    if (p.kind === 'error') {
      setNumberError(p.message);
      return;
    }
    setNumberError(null);
    set('number', p.kind === 'ok' ? p.e164 : null);
  }

  const filtered = FILTER_KEYS.some((k) => k !== 'sort' && params.get(k));
  const title = staff ? 'Tracebacks' : 'Tracebacks referred to your agency';

  return (
    <>
      <PageTitle
        title={title}
        right={
          staff ? (
            <Button component={Link} to="/tracebacks/new">
              Open a traceback
            </Button>
          ) : undefined
        }
      >
        {title}
      </PageTitle>
      <Paper withBorder p="sm" mb="md" component="section" aria-label="Filters">
        <Grid gap="sm" align="flex-end">
          <Grid.Col span={{ base: 12, sm: 6, md: 4 }}>
            <form onSubmit={searchNumber} role="search" aria-label="Search by number">
              <TextInput
                label="Calling or called number"
                placeholder="(202) 555-0143"
                type="search"
                value={number}
                onChange={(e) => setNumber(e.currentTarget.value)}
                error={numberError}
                rightSection={
                  <Button
                    type="submit"
                    variant="subtle"
                    size="compact-sm"
                    aria-label="Search by number"
                    px={6}
                  >
                    <IconSearch size={16} />
                  </Button>
                }
                rightSectionWidth={40}
              />
            </form>
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
            <Select
              label="Kind"
              data={[
                { value: 'trace', label: 'Traces of calls' },
                { value: 'forward', label: 'Forward requests' },
                { value: 'all', label: 'Both' },
              ]}
              // Forward requests (questions about callback numbers) are listed apart unless asked for.
              value={params.get('kind') ?? 'trace'}
              onChange={(v) => set('kind', v === 'trace' ? null : v)}
              allowDeselect={false}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
            <Select
              label="Status"
              data={[
                { value: 'open', label: 'Open' },
                { value: 'closed', label: 'Closed' },
              ]}
              placeholder="Any"
              clearable
              value={params.get('status')}
              onChange={(v) => set('status', v)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
            <Select
              label="Sort"
              data={[
                { value: 'opened', label: 'Newest first' },
                { value: 'due', label: 'Soonest deadline' },
              ]}
              value={params.get('sort') ?? 'opened'}
              onChange={(v) => set('sort', v === 'opened' ? null : v)}
              allowDeselect={false}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
            <Select
              label="Outcome"
              data={OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABEL[o] }))}
              placeholder="Any"
              clearable
              value={params.get('outcome')}
              onChange={(v) => set('outcome', v)}
            />
          </Grid.Col>
          {staff && (
            <Grid.Col span={{ base: 12, sm: 6, md: 4 }}>
              <Select
                label="Campaign"
                data={(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
                placeholder="Any"
                clearable
                searchable
                value={params.get('campaignId')}
                onChange={(v) => set('campaignId', v)}
              />
            </Grid.Col>
          )}
          {staff && (
            <Grid.Col span={{ base: 12, sm: 6, md: 4 }}>
              <ProviderPicker
                label="Provider in the path"
                value={params.get('providerId')}
                onChange={(v) => set('providerId', v)}
                placeholder="Any"
              />
            </Grid.Col>
          )}
          <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
            <TextInput
              label="Opened from"
              type="date"
              value={params.get('from') ?? ''}
              onChange={(e) => set('from', e.currentTarget.value)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
            <TextInput
              label="Opened to"
              type="date"
              value={params.get('to') ?? ''}
              onChange={(e) => set('to', e.currentTarget.value)}
            />
          </Grid.Col>
          {filtered && (
            <Grid.Col span="content">
              <Button
                variant="subtle"
                onClick={() => {
                  setNumber('');
                  setNumberError(null);
                  setParams(new URLSearchParams(), { replace: true });
                }}
              >
                Clear filters
              </Button>
            </Grid.Col>
          )}
        </Grid>
      </Paper>

      {list.isPending && <Loading label="Loading tracebacks" />}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && items.length === 0 && (
        <EmptyState
          icon={<IconSearch size={28} />}
          title={
            filtered
              ? 'No traceback matches these filters'
              : staff
                ? 'No tracebacks yet'
                : 'Nothing referred to your agency yet'
          }
          description={
            filtered
              ? 'Try fewer filters, or another number.'
              : staff
                ? 'Open one for an illegal call and follow it back to its source.'
                : 'When the consortium refers a traceback to your agency, it appears here, read-only, with its full path and timeline.'
          }
          py="xl"
        >
          {staff && !filtered && (
            <EmptyState.Actions>
              <Button component={Link} to="/tracebacks/new">
                Open a traceback
              </Button>
            </EmptyState.Actions>
          )}
        </EmptyState>
      )}
      {items.length > 0 && (
        <TracebackTable
          rows={rowsOfList(items, { providers: names, campaigns: campaignName })}
          columns={
            staff ? ['campaign', 'nowAt', 'due', 'hops', 'opened'] : ['nowAt', 'due', 'hops', 'opened']
          }
          label={title}
          minWidth={760}
          striped
          sort={{
            current: params.get('sort') ?? 'opened',
            columns: {
              due: { sort: 'due', direction: 'ascending' },
              opened: { sort: 'opened', direction: 'descending' },
            },
            onSort: (s) => set('sort', s === 'opened' ? null : s),
          }}
        />
      )}
      <ShowMore list={list} centered />
    </>
  );
}
