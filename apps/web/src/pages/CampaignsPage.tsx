import {
  CAMPAIGN_CATEGORIES,
  ZAutoOpenPolicy,
  ZCampaignCreate,
  type TAutoOpenPolicy,
  type TAutoOpenResult,
  type TCampaign,
  type TCampaignRanked,
} from '../lib/contracts';
import {
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Textarea,
  EmptyState,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, post, request } from '../api/client';
import { keys, useAutoOpenPolicy, useCampaignRanking, type CampaignFilters } from '../api/queries';
import { ErrorAlert, FormError, Loading, PageTitle, SectionCard, ShowMore } from '../components/common';
import { IconSearch } from '../components/icons';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import {
  CAMPAIGN_STATUS_COLOR,
  CAMPAIGN_STATUS_LABEL,
  CATEGORY_LABEL,
  formatGrowth,
  formatShare,
} from '../lib/labels';

const Sparkline = lazy(async () => ({ default: (await import('../components/charts')).Sparkline }));

const SORTS = [
  { value: 'volume', label: 'Volume' },
  { value: 'growth', label: 'Growth' },
  { value: 'recent', label: 'Recent' },
];
const STATUSES = [
  { value: 'active', label: 'Active' },
  { value: 'candidate', label: 'Candidates' },
  { value: 'legitimate', label: 'Legitimate' },
  { value: 'all', label: 'All' },
];

/** The ranking's switches live in the URL, so a view can be bookmarked and shared. */
function filtersFrom(params: URLSearchParams): CampaignFilters {
  const sort = params.get('sort');
  const status = params.get('status');
  return {
    sort: sort === 'growth' || sort === 'recent' ? sort : 'volume',
    status: STATUSES.some((s) => s.value === status) ? (status as CampaignFilters['status']) : undefined,
    q: params.get('q') ?? undefined,
  };
}

export function CampaignsPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const list = useCampaignRanking(filters);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const [adding, setAdding] = useState(false);
  const [search, setSearch] = useState(filters.q ?? '');

  function set(key: 'sort' | 'status' | 'q', value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  return (
    <Stack gap="lg">
      <PageTitle title="Campaigns" right={<Button onClick={() => setAdding(true)}>Add a campaign</Button>}>
        Campaigns
      </PageTitle>
      <Text c="dimmed" maw={760} mt={-16}>
        Calls from the honeypots and complaint feeds, grouped by what is said. Ranked by calls in the last 24
        hours (then 7 days), by growth week on week, or newest first.
      </Text>
      <Grid gap="sm" align="flex-end">
        <Grid.Col span="content">
          <Text size="sm" fw={500} mb={4} id="campaign-sort">
            Rank by
          </Text>
          <SegmentedControl
            data={SORTS}
            value={filters.sort}
            onChange={(v) => set('sort', v === 'volume' ? null : v)}
            aria-labelledby="campaign-sort"
          />
        </Grid.Col>
        <Grid.Col span={{ base: 6, sm: 3, md: 2 }}>
          <Select
            label="Status"
            data={STATUSES}
            placeholder={filters.sort === 'recent' ? 'Active and legitimate' : 'Active'}
            clearable
            value={filters.status ?? null}
            onChange={(v) => set('status', v)}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6, md: 4 }}>
          <form
            role="search"
            aria-label="Search campaigns"
            onSubmit={(e) => {
              e.preventDefault();
              set('q', search.trim() || null);
            }}
          >
            <TextInput
              label="Words of the name or description"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              rightSection={
                <Button type="submit" variant="subtle" size="compact-sm" aria-label="Search campaigns" px={6}>
                  <IconSearch size={16} />
                </Button>
              }
              rightSectionWidth={40}
            />
          </form>
        </Grid.Col>
      </Grid>
      <div>
        {list.isPending && <Loading label="Loading campaigns" />}
        {list.isError && <ErrorAlert error={list.error} />}
        {list.isSuccess && items.length === 0 && (
          <EmptyState
            title={filters.q || filters.status ? 'No campaign matches' : 'No campaign yet'}
            description="Campaigns appear as call records arrive and detection groups them; you can also add one by hand."
            py="xl"
          />
        )}
        {items.length > 0 && <RankedTable items={items} />}
        <ShowMore list={list} centered />
      </div>
      <AutoOpenPanel />
      {adding && <CampaignForm onClose={() => setAdding(false)} />}
    </Stack>
  );
}

function RankedTable({ items }: { items: TCampaignRanked[] }) {
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table
        striped
        highlightOnHover
        verticalSpacing="xs"
        aria-label="Campaigns, ranked"
        styles={{ th: { whiteSpace: 'nowrap' } }}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th ta="right">#</Table.Th>
            <Table.Th>Campaign</Table.Th>
            <Table.Th ta="right">Calls 24 h</Table.Th>
            <Table.Th ta="right">Calls 7 days</Table.Th>
            <Table.Th ta="right">Growth</Table.Th>
            <Table.Th>30 days</Table.Th>
            <Table.Th ta="right">Callers</Table.Th>
            <Table.Th ta="right">A-attested</Table.Th>
            <Table.Th ta="right">Feeds</Table.Th>
            <Table.Th ta="right">Open tracebacks</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((c) => (
            <Table.Tr key={c.id} data-campaign-id={c.id}>
              <Table.Td ta="right" className="tabular">
                {c.rank}
              </Table.Td>
              <Table.Td miw={260} maw={340}>
                <Stack gap={2}>
                  <Anchor component={Link} to={`/campaigns/${c.id}`} fw={600} size="sm" lineClamp={2}>
                    {c.name}
                  </Anchor>
                  <Group gap={6}>
                    {c.growth === null && c.callCount7d > 0 && (
                      <Badge size="xs" color="orange" variant="light" tt="none">
                        New
                      </Badge>
                    )}
                    {c.category && (
                      <Text size="xs" c="dimmed">
                        {CATEGORY_LABEL[c.category] ?? c.category}
                      </Text>
                    )}
                    {c.status !== 'active' && (
                      <Badge size="xs" variant="light" color={CAMPAIGN_STATUS_COLOR[c.status]} tt="none">
                        {CAMPAIGN_STATUS_LABEL[c.status]}
                      </Badge>
                    )}
                  </Group>
                </Stack>
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {c.callCount24h}
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {c.callCount7d}
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {c.callCount7d === 0 && c.growth === null ? '—' : formatGrowth(c.growth)}
              </Table.Td>
              <Table.Td>
                <Suspense fallback={<Skeleton w={96} h={24} />}>
                  <Sparkline
                    values={c.dailyVolume}
                    label={`Calls a day over 30 days, ${c.dailyVolume.reduce((a, b) => a + b, 0)} in all, at most ${Math.max(0, ...c.dailyVolume)} a day`}
                  />
                </Suspense>
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {c.distinctCallerNumbers}
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {formatShare(c.signedAShare)}
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {c.sources}
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {c.openTracebacks > 0 ? (
                  <Anchor component={Link} to={`/tracebacks?campaignId=${c.id}&status=open`} size="sm">
                    {c.openTracebacks}
                  </Anchor>
                ) : (
                  0
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The policy that opens tracebacks for the top campaigns every few minutes, a dry run of it, and running it now. */
function AutoOpenPanel() {
  const queryClient = useQueryClient();
  const policy = useAutoOpenPolicy();
  const [draft, setDraft] = useState<TAutoOpenPolicy | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [plan, setPlan] = useState<TAutoOpenResult | null>(null);
  useEffect(() => {
    if (policy.data) setDraft(policy.data);
  }, [policy.data]);
  const save = useMutation({
    mutationFn: (body: TAutoOpenPolicy) => request<TAutoOpenPolicy>('PUT', '/campaigns/auto-open', { body }),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.autoOpen, saved);
      notifications.show({
        color: 'teal',
        title: 'Auto-open policy saved',
        message: saved.enabled ? 'On' : 'Off',
      });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  const run = useMutation({
    mutationFn: (dryRun: boolean) =>
      post<TAutoOpenResult>(`/campaigns/auto-open/run?dryRun=${String(dryRun)}`),
    onSuccess: async (result) => {
      setPlan(result);
      if (!result.dryRun) await queryClient.invalidateQueries({ queryKey: keys.campaigns });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = ZAutoOpenPolicy.safeParse(draft);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  }
  const num =
    (key: 'topK' | 'windowDays' | 'minCalls24h' | 'everyMinutes' | 'maxPerDay' | 'retraceAfterHours') =>
    (v: string | number) =>
      setDraft((d) => (d ? { ...d, [key]: typeof v === 'number' ? v : Number(v) } : d));
  return (
    <SectionCard title="Auto-open" testId="auto-open">
      <Text size="sm" c="dimmed" mb="sm" maw={760}>
        Every few minutes, open a traceback for each of the campaigns ranked highest by volume that has no
        open one and was not traced lately, from its most traceable recent call: a new campaign gets its
        traceback within minutes of being detected. Every 1440 minutes runs it once a day; tracing again after
        0 hours traces a campaign again as soon as none of its tracebacks is open. A traceback that ends
        without an origin can leave its campaign to be traced again, from another call, at the next run.
      </Text>
      {policy.isPending && <Skeleton h={80} />}
      {policy.isError && <ErrorAlert error={policy.error} />}
      {draft && (
        <form onSubmit={submit} noValidate aria-label="Auto-open policy">
          <Stack gap="sm">
            <FormError
              error={save.error}
              shownFields={[
                'enabled',
                'topK',
                'windowDays',
                'minCalls24h',
                'everyMinutes',
                'maxPerDay',
                'retraceAfterHours',
                'retraceUnresolved',
              ]}
            />
            <Switch
              label="Open tracebacks automatically"
              checked={draft.enabled}
              onChange={(e) => {
                const enabled = e.currentTarget.checked;
                setDraft((d) => (d ? { ...d, enabled } : d));
              }}
            />
            <Group align="flex-start" gap="sm">
              <NumberInput
                label="Top campaigns"
                description="ranked by volume"
                min={1}
                max={100}
                value={draft.topK}
                onChange={num('topK')}
                error={errors.topK}
                w={160}
              />
              <NumberInput
                label="Calls no older than"
                description="days"
                min={1}
                max={90}
                value={draft.windowDays}
                onChange={num('windowDays')}
                error={errors.windowDays}
                w={160}
              />
              <NumberInput
                label="At least"
                description="calls in the last 24 h"
                min={0}
                value={draft.minCalls24h}
                onChange={num('minCalls24h')}
                error={errors.minCalls24h}
                w={160}
              />
            </Group>
            <Group align="flex-start" gap="sm">
              <NumberInput
                label="Run every"
                description="minutes"
                min={1}
                max={1440}
                value={draft.everyMinutes}
                onChange={num('everyMinutes')}
                error={errors.everyMinutes}
                w={160}
              />
              <NumberInput
                label="At most"
                description="tracebacks in 24 h"
                min={1}
                max={1000}
                value={draft.maxPerDay}
                onChange={num('maxPerDay')}
                error={errors.maxPerDay}
                w={160}
              />
              <NumberInput
                label="Trace again after"
                description="hours"
                min={0}
                max={720}
                value={draft.retraceAfterHours}
                onChange={num('retraceAfterHours')}
                error={errors.retraceAfterHours}
                w={160}
              />
            </Group>
            <Switch
              label="Trace a campaign again at once when its traceback ends without an origin (non-responsive, dead end)"
              checked={draft.retraceUnresolved}
              onChange={(e) => {
                const retraceUnresolved = e.currentTarget.checked;
                setDraft((d) => (d ? { ...d, retraceUnresolved } : d));
              }}
            />
            <Group gap="xs">
              <Button type="submit" loading={save.isPending}>
                Save the policy
              </Button>
              <Button
                variant="light"
                loading={run.isPending && run.variables}
                onClick={() => run.mutate(true)}
              >
                Dry run
              </Button>
              <Button
                variant="light"
                color="orange"
                loading={run.isPending && !run.variables}
                onClick={() => run.mutate(false)}
              >
                Run now
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      <FormError error={run.error} />
      {plan && <AutoOpenPlan result={plan} />}
    </SectionCard>
  );
}

function AutoOpenPlan({ result }: { result: TAutoOpenResult }) {
  const opened = result.items.filter((i) => i.action === 'open').length;
  return (
    <Stack gap="xs" mt="md" data-testid="auto-open-plan">
      <Text size="sm" fw={600}>
        {result.dryRun
          ? `Dry run: ${opened} traceback${opened === 1 ? '' : 's'} would be opened`
          : `${opened} traceback${opened === 1 ? '' : 's'} opened`}
      </Text>
      {result.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No campaign qualifies.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table
            verticalSpacing={4}
            aria-label={result.dryRun ? 'What would be opened' : 'What was opened'}
            styles={{ th: { whiteSpace: 'nowrap' } }}
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th ta="right">#</Table.Th>
                <Table.Th>Campaign</Table.Th>
                <Table.Th ta="right">Calls 24 h</Table.Th>
                <Table.Th ta="right">Calls 7 days</Table.Th>
                <Table.Th>{result.dryRun ? 'Would' : 'Did'}</Table.Th>
                <Table.Th>Why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {result.items.map((i) => (
                <Table.Tr key={i.campaignId}>
                  <Table.Td ta="right" className="tabular">
                    {i.rank}
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/campaigns/${i.campaignId}`} size="sm">
                      {i.campaignName}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right" className="tabular">
                    {i.calls24h}
                  </Table.Td>
                  <Table.Td ta="right" className="tabular">
                    {i.calls7d}
                  </Table.Td>
                  <Table.Td>
                    {i.tracebackId ? (
                      <Anchor component={Link} to={`/tracebacks/${i.tracebackId}`} size="sm">
                        Opened
                      </Anchor>
                    ) : (
                      <Badge
                        size="sm"
                        variant="light"
                        color={i.action === 'open' ? 'blue' : 'gray'}
                        tt="none"
                      >
                        {i.action === 'open' ? 'Open' : 'Skip'}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{i.reason}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function CampaignForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<TCampaign>('/campaigns', body),
    onSuccess: async (c) => {
      notifications.show({ color: 'teal', title: 'Campaign added', message: c.name });
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.campaigns });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { name, description, category: category ?? undefined };
    const parsed = ZCampaignCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    create.mutate(body);
  }
  return (
    <Modal opened onClose={onClose} title="Add a campaign" size="lg">
      <form onSubmit={submit} noValidate aria-label="Add a campaign">
        <Stack>
          <FormError error={create.error} shownFields={['name', 'description', 'category']} />
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Select
            label="Category"
            data={CAMPAIGN_CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABEL[c] ?? c }))}
            value={category}
            onChange={setCategory}
            clearable
            error={errors.category}
          />
          <Textarea
            label="Description"
            description="The script, the claim made, why the calls are believed illegal"
            required
            autosize
            minRows={3}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add the campaign
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
