import {
  CAMPAIGN_CATEGORIES,
  ZCampaignPatch,
  ZCampaignSplit,
  type TCampaignCallSample,
  type TCampaignDetail,
  type TOpenCallsResult,
} from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Grid,
  Group,
  Modal,
  MultiSelect,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, isApiError, patch, post } from '../api/client';
import { keys, useCampaign, useCampaignSearch } from '../api/queries';
import {
  DateTime,
  ErrorAlert,
  Field,
  FormError,
  Loading,
  PageTitle,
  Phone,
  SectionCard,
} from '../components/common';
import { EvidencePackageButton } from '../components/EvidencePackage';
import { OpenFromCall } from '../components/OpenFromCall';
import { ForwardRequests, TraceForwardButton } from '../components/TraceForward';
import { rowsOfCampaign, TracebackTable } from '../components/TracebackTable';
import { Transcript } from '../components/Transcript';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import {
  CAMPAIGN_STATUS_COLOR,
  CAMPAIGN_STATUS_LABEL,
  CATEGORY_LABEL,
  formatGrowth,
  formatShare,
} from '../lib/labels';
import { NotFoundPage } from './ErrorPages';

const DailyVolumeChart = lazy(async () => ({
  default: (await import('../components/charts')).DailyVolumeChart,
}));

const CATEGORY_OPTIONS = CAMPAIGN_CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABEL[c] ?? c }));

/** Every change answers the campaign as it now is; lists and rankings are refreshed behind it. */
function useCampaignChange<B>(send: (body: B) => Promise<TCampaignDetail>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: async (c) => {
      queryClient.setQueryData(keys.campaign(c.id), c);
      const answered = keys.campaign(c.id);
      await queryClient.invalidateQueries({
        queryKey: keys.campaigns,
        predicate: (q) => q.queryKey.join('/') !== answered.join('/'),
      });
    },
  });
}

/** One campaign: what it says, how much, who calls, where its calls come from, and what to do about it. */
export function CampaignPage() {
  const { id = '' } = useParams();
  const campaign = useCampaign(id);
  if (campaign.isPending) return <Loading label="Loading the campaign" />;
  if (campaign.isError)
    return isApiError(campaign.error, 404) || isApiError(campaign.error, 400) ? (
      <NotFoundPage />
    ) : (
      <ErrorAlert error={campaign.error} />
    );
  return <CampaignView c={campaign.data} />;
}

function CampaignView({ c }: { c: TCampaignDetail }) {
  const [dialog, setDialog] = useState<'edit' | 'merge' | null>(null);
  const legitimate = useCampaignChange((body: { legitimate: boolean }) =>
    patch<TCampaignDetail>(`/campaigns/${c.id}`, body),
  );
  const merged = c.status === 'merged';
  const traceable = c.status !== 'legitimate' && !merged;
  return (
    <Stack gap="lg">
      <PageTitle
        title={c.name}
        right={
          merged ? undefined : (
            <Group gap="xs">
              {(c.tracebacks.length > 0 || c.forwardRequests.length > 0) && (
                <EvidencePackageButton path={`/campaigns/${c.id}/evidence-packages`} />
              )}
              <Button variant="light" onClick={() => setDialog('edit')}>
                Rename or categorise
              </Button>
              <Button variant="light" onClick={() => setDialog('merge')}>
                Merge…
              </Button>
              <Button
                variant="light"
                color={c.status === 'legitimate' ? 'red' : 'teal'}
                loading={legitimate.isPending}
                onClick={() => legitimate.mutate({ legitimate: c.status !== 'legitimate' })}
              >
                {c.status === 'legitimate' ? 'Not legitimate after all' : 'Mark legitimate'}
              </Button>
            </Group>
          )
        }
      >
        <Group gap="sm" component="span">
          <span data-testid="campaign-name">{c.name}</span>
          <Badge
            color={CAMPAIGN_STATUS_COLOR[c.status]}
            variant="light"
            tt="none"
            data-testid="campaign-status"
          >
            {CAMPAIGN_STATUS_LABEL[c.status]}
          </Badge>
        </Group>
      </PageTitle>
      <FormError error={legitimate.error} />
      {merged && c.mergedIntoId && (
        <Alert color="blue">
          This campaign was merged.{' '}
          <Anchor component={Link} to={`/campaigns/${c.mergedIntoId}`}>
            Go to the campaign it became part of
          </Anchor>
          .
        </Alert>
      )}
      {c.status === 'legitimate' && (
        <Alert color="teal" variant="light">
          Marked legitimate: lawful calls, kept out of the ranking and never traced.
        </Alert>
      )}
      <Summary c={c} />
      <SectionCard title="Calls a day, last 30 days">
        <Suspense fallback={<Skeleton h={200} />}>
          <DailyVolumeChart dailyVolume={c.dailyVolume} />
        </Suspense>
      </SectionCard>
      <RepresentativeCall c={c} />
      <Samples c={c} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <NumberCounts title="Caller numbers" items={c.callerNumberCounts} total={c.distinctCallerNumbers} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <NumberCounts
            title="Callback numbers spoken"
            items={c.callbackNumberCounts}
            action={traceable ? (number) => <TraceForwardButton campaign={c} number={number} /> : undefined}
          />
        </Grid.Col>
      </Grid>
      <ForwardRequests items={c.forwardRequests} />
      <SectionCard
        title="Tracebacks"
        count={c.tracebacks.length}
        right={
          <Anchor component={Link} to={`/tracebacks?campaignId=${c.id}`} size="sm">
            All, with filters
          </Anchor>
        }
      >
        {c.tracebacks.length === 0 ? (
          <Text size="sm" c="dimmed">
            No traceback for this campaign yet.
          </Text>
        ) : (
          <TracebackTable
            rows={rowsOfCampaign(c.tracebacks)}
            columns={['origin', 'entryPoint', 'hops', 'opened']}
            label="Tracebacks of this campaign"
            minWidth={720}
          />
        )}
      </SectionCard>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <ProviderCounts title="Origins" help="Providers that answered as the origin" items={c.origins} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <ProviderCounts
            title="Entry points"
            help="US providers that took calls in from abroad"
            items={c.entryPoints}
          />
        </Grid.Col>
      </Grid>
      {dialog === 'edit' && <EditCampaign c={c} onClose={() => setDialog(null)} />}
      {dialog === 'merge' && <MergeCampaigns c={c} onClose={() => setDialog(null)} />}
    </Stack>
  );
}

function Summary({ c }: { c: TCampaignDetail }) {
  return (
    <SectionCard title="Summary">
      <Stack gap="sm">
        <Group gap="xs">
          {c.category && (
            <Badge variant="light" color="gray" tt="none" data-testid="campaign-category">
              {CATEGORY_LABEL[c.category] ?? c.category}
            </Badge>
          )}
          <Badge variant="outline" color="gray" tt="none">
            {c.origin === 'detected' ? 'Found by detection' : 'Added by hand'}
          </Badge>
        </Group>
        {c.description && <Text style={{ whiteSpace: 'pre-wrap' }}>{c.description}</Text>}
        <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} component="dl" m={0} spacing="sm">
          <Field label="Calls">{c.callCount}</Field>
          <Field label="Last 24 h">{c.callCount24h}</Field>
          <Field label="Last 7 days">{c.callCount7d}</Field>
          <Field label="Growth (week on week)">
            {c.callCount7d === 0 && c.growth === null ? '—' : formatGrowth(c.growth)}
          </Field>
          <Field label="Distinct callers">{c.distinctCallerNumbers}</Field>
          <Field label="A-attested (7 days)">{formatShare(c.signedAShare)}</Field>
          <Field label="Feeds (7 days)">{c.sources}</Field>
          <Field label="Open tracebacks">{c.openTracebacks}</Field>
          <Field label="First seen">
            <DateTime iso={c.firstSeenAt} />
          </Field>
          <Field label="Last seen">
            <DateTime iso={c.lastSeenAt} />
          </Field>
        </SimpleGrid>
      </Stack>
    </SectionCard>
  );
}

function CallLine({ call }: { call: TCampaignCallSample }) {
  return (
    <Text size="sm">
      <DateTime iso={call.startedAt} compact /> ·{' '}
      {call.callingNumber ? <Phone e164={call.callingNumber} /> : 'withheld'} →{' '}
      {call.calledNumber ? <Phone e164={call.calledNumber} /> : 'withheld'} · {call.source}
      {call.attestation && ` · attestation ${call.attestation}`}
      {call.shakenStatus && ` (${call.shakenStatus})`}
    </Text>
  );
}

function RepresentativeCall({ c }: { c: TCampaignDetail }) {
  const call = c.representativeCall;
  return (
    <SectionCard title="The call to trace" testId="representative-call">
      {!call ? (
        <Text size="sm" c="dimmed">
          No recent call of this campaign that has no traceback yet has an exact time and both numbers, so
          none can be traced now.
        </Text>
      ) : (
        <Stack gap="xs">
          <CallLine call={call} />
          <Transcript segments={call.segments} />
          {c.status !== 'legitimate' && c.status !== 'merged' && (
            <OpenFromCall call={call} campaignId={c.id} />
          )}
        </Stack>
      )}
    </SectionCard>
  );
}

function Samples({ c }: { c: TCampaignDetail }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [splitting, setSplitting] = useState(false);
  const traceable = c.status !== 'legitimate' && c.status !== 'merged';
  const toggle = (id: string, on: boolean) =>
    setSelected((s) => (on ? [...s, id] : s.filter((x) => x !== id)));
  const queryClient = useQueryClient();
  // One traceback per selected call, at the provider that terminated it (POST /campaigns/:id/tracebacks).
  const openCalls = useMutation({
    mutationFn: (callIds: string[]) => post<TOpenCallsResult>(`/campaigns/${c.id}/tracebacks`, { callIds }),
    onSuccess: async (r) => {
      const refused = r.items.find((i) => i.status === 'refused');
      notifications.show({
        color: r.refused ? 'yellow' : 'teal',
        title: `${r.opened} traceback${r.opened === 1 ? '' : 's'} opened`,
        message:
          [
            r.existing ? `${r.existing} already traced` : '',
            refused ? `${r.refused} not opened: ${refused.reason ?? ''}` : '',
          ]
            .filter(Boolean)
            .join('; ') || 'Each starts at the provider that terminated its call.',
      });
      setSelected([]);
      await queryClient.invalidateQueries({ queryKey: keys.campaign(c.id) });
      await queryClient.invalidateQueries({ queryKey: ['tracebacks'] });
    },
    onError: (err) =>
      notifications.show({ color: 'red', title: 'No traceback opened', message: err.message }),
  });
  return (
    <SectionCard
      title="Recent calls"
      testId="samples"
      right={
        c.status !== 'merged' && (
          <Group gap="xs">
            {traceable && (
              <Button
                size="xs"
                disabled={selected.length === 0}
                loading={openCalls.isPending}
                onClick={() => openCalls.mutate(selected)}
              >
                {selected.length
                  ? `Open ${selected.length} traceback${selected.length === 1 ? '' : 's'}`
                  : 'Select calls to trace'}
              </Button>
            )}
            <Button
              variant="light"
              size="xs"
              disabled={selected.length === 0}
              onClick={() => setSplitting(true)}
            >
              {selected.length
                ? `Split ${selected.length} into a new campaign…`
                : 'Select calls to split off'}
            </Button>
          </Group>
        )
      }
    >
      {c.samples.length === 0 ? (
        <Text size="sm" c="dimmed">
          No call yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" aria-label="Recent calls of this campaign">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  <Checkbox
                    aria-label="Select every call shown"
                    checked={selected.length === c.samples.length}
                    indeterminate={selected.length > 0 && selected.length < c.samples.length}
                    onChange={(e) => setSelected(e.currentTarget.checked ? c.samples.map((s) => s.id) : [])}
                  />
                </Table.Th>
                <Table.Th>Call</Table.Th>
                <Table.Th>What was said</Table.Th>
                {traceable && <Table.Th>Trace</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.samples.map((s) => (
                <Table.Tr key={s.id} data-call-id={s.id}>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Select the call of ${s.startedAt}`}
                      checked={selected.includes(s.id)}
                      onChange={(e) => toggle(s.id, e.currentTarget.checked)}
                    />
                  </Table.Td>
                  <Table.Td miw={220}>
                    <CallLine call={s} />
                  </Table.Td>
                  <Table.Td>
                    <Transcript segments={s.segments} />
                  </Table.Td>
                  {traceable && (
                    <Table.Td>
                      <OpenFromCall call={s} campaignId={c.id} label="Trace" size="xs" variant="light" />
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Anchor component={Link} to={`/calls?campaignId=${c.id}`} size="sm" mt="xs" display="inline-block">
        Every call of this campaign
      </Anchor>
      {splitting && (
        <SplitCampaign
          c={c}
          callIds={selected}
          onClose={() => setSplitting(false)}
          onDone={() => setSelected([])}
        />
      )}
    </SectionCard>
  );
}

function NumberCounts({
  title,
  items,
  total,
  action,
}: {
  title: string;
  items: TCampaignDetail['callerNumberCounts'];
  /** How many numbers there are in all, when the list shows only the most frequent. */
  total?: number;
  /** Something to do with each number (trace forward a callback number). */
  action?: ((number: string) => ReactNode) | undefined;
}) {
  return (
    <SectionCard title={title} count={total ?? items.length}>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None.
        </Text>
      ) : (
        <Table verticalSpacing={4} aria-label={title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Number</Table.Th>
              <Table.Th ta="right">Calls</Table.Th>
              {action && (
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((n) => (
              <Table.Tr key={n.number}>
                <Table.Td>
                  <Anchor component={Link} to={`/calls?number=${encodeURIComponent(n.number)}`} size="sm">
                    <Phone e164={n.number} />
                  </Anchor>
                </Table.Td>
                <Table.Td ta="right" className="tabular">
                  {n.calls}
                </Table.Td>
                {action && <Table.Td ta="right">{action(n.number)}</Table.Td>}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </SectionCard>
  );
}

function ProviderCounts({
  title,
  help,
  items,
}: {
  title: string;
  help: string;
  items: TCampaignDetail['origins'];
}) {
  return (
    <SectionCard title={title} count={items.length}>
      <Text size="xs" c="dimmed" mb="xs">
        {help}, with how many of its tracebacks.
      </Text>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      ) : (
        <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {items.map((p) => (
            <li key={p.id}>
              <Group justify="space-between" gap="xs">
                <Anchor component={Link} to={`/providers/${p.id}`} size="sm">
                  {p.name}
                </Anchor>
                <Text size="sm" className="tabular">
                  {p.tracebacks}
                </Text>
              </Group>
            </li>
          ))}
        </Stack>
      )}
    </SectionCard>
  );
}

function EditCampaign({ c, onClose }: { c: TCampaignDetail; onClose: () => void }) {
  const [name, setName] = useState(c.name);
  const [description, setDescription] = useState(c.description);
  const [category, setCategory] = useState<string | null>(c.category);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useCampaignChange((body: unknown) => patch<TCampaignDetail>(`/campaigns/${c.id}`, body));
  function submit(e: FormEvent) {
    e.preventDefault();
    // Only what changed: renaming marks the name as the analyst's, which detection then keeps.
    const body = {
      ...(name !== c.name ? { name } : {}),
      ...(description !== c.description ? { description } : {}),
      ...(category !== c.category ? { category } : {}),
    };
    if (Object.keys(body).length === 0) return onClose();
    const parsed = ZCampaignPatch.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(body, {
      onSuccess: (updated) => {
        notifications.show({ color: 'teal', title: 'Campaign saved', message: updated.name });
        onClose();
      },
      onError: (err) => {
        if (err instanceof ApiError) setErrors(err.fieldErrors);
        focusFirstError();
      },
    });
  }
  return (
    <Modal opened onClose={onClose} title="Rename or categorise" size="lg">
      <form onSubmit={submit} noValidate aria-label="Rename or categorise">
        <Stack>
          <FormError error={save.error} shownFields={['name', 'description', 'category']} />
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
            data={CATEGORY_OPTIONS}
            value={category}
            onChange={setCategory}
            clearable
            error={errors.category}
          />
          <Textarea
            label="Description"
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
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function MergeCampaigns({ c, onClose }: { c: TCampaignDetail; onClose: () => void }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [chosen, setChosen] = useState<Map<string, string>>(new Map());
  const [errors, setErrors] = useState<FieldErrors>({});
  const results = useCampaignSearch(debounced.trim(), true);
  const merge = useCampaignChange((absorb: string[]) =>
    post<TCampaignDetail>(`/campaigns/${c.id}/merge`, { absorb }),
  );
  const options = new Map(chosen);
  for (const r of results.data?.items ?? [])
    if (r.id !== c.id && r.status !== 'merged') options.set(r.id, r.name);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (chosen.size === 0) {
      setErrors({ absorb: 'Choose at least one campaign to fold into this one' });
      focusFirstError();
      return;
    }
    setErrors({});
    merge.mutate([...chosen.keys()], {
      onSuccess: (kept) => {
        notifications.show({ color: 'teal', title: 'Campaigns merged', message: kept.name });
        onClose();
      },
      onError: (err) => {
        if (err instanceof ApiError) setErrors(err.fieldErrors);
      },
    });
  }
  return (
    <Modal opened onClose={onClose} title={`Merge into “${c.name}”`} size="lg">
      <form onSubmit={submit} noValidate aria-label="Merge campaigns">
        <Stack>
          <Text size="sm">
            The campaigns you choose are folded into this one: their calls, numbers, volume and tracebacks
            move here.
          </Text>
          <FormError error={merge.error} shownFields={['absorb']} />
          <MultiSelect
            label="Campaigns to fold in"
            placeholder="Search by name or words of the description"
            searchable
            searchValue={search}
            onSearchChange={setSearch}
            data={[...options].map(([value, label]) => ({ value, label }))}
            value={[...chosen.keys()]}
            onChange={(ids) => setChosen(new Map(ids.map((id) => [id, options.get(id) ?? id])))}
            // The server already searched names and descriptions.
            filter={({ options: all }) => all}
            nothingFoundMessage={results.isFetching ? 'Searching…' : 'No campaign matches'}
            error={errors.absorb}
            comboboxProps={{ withinPortal: true }}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={merge.isPending}>
              Merge
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SplitCampaign({
  c,
  callIds,
  onClose,
  onDone,
}: {
  c: TCampaignDetail;
  callIds: string[];
  onClose: () => void;
  onDone: () => void;
}) {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [category, setCategory] = useState<string | null>(c.category);
  const [errors, setErrors] = useState<FieldErrors>({});
  const split = useCampaignChange((body: unknown) => post<TCampaignDetail>(`/campaigns/${c.id}/split`, body));
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { callIds, name, ...(category ? { category } : {}) };
    const parsed = ZCampaignSplit.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    split.mutate(body, {
      onSuccess: (created) => {
        notifications.show({ color: 'teal', title: 'Calls split off', message: created.name });
        onDone();
        onClose();
        void navigate(`/campaigns/${created.id}`);
      },
      onError: (err) => {
        if (err instanceof ApiError) setErrors(err.fieldErrors);
      },
    });
  }
  return (
    <Modal opened onClose={onClose} title="Split into a new campaign">
      <form onSubmit={submit} noValidate aria-label="Split into a new campaign">
        <Stack>
          <Text size="sm">
            {callIds.length === 1 ? 'The selected call moves' : `The ${callIds.length} selected calls move`}{' '}
            to a new campaign; detection never merges the two again.
          </Text>
          <FormError error={split.error} shownFields={['name', 'category']} />
          <TextInput
            label="Name of the new campaign"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Select
            label="Category"
            data={CATEGORY_OPTIONS}
            value={category}
            onChange={setCategory}
            clearable
            error={errors.category}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={split.isPending}>
              Split
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
