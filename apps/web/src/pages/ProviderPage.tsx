import {
  LETTER_ISSUERS,
  ZLetterCreate,
  type TLetter,
  type TProvider,
  type TResponseTimes,
} from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, isApiError, post } from '../api/client';
import {
  keys,
  useProvider,
  useProviderLetters,
  useProviderRmdChanges,
  useResponseTimes,
  useTracebacks,
} from '../api/queries';
import { ShakenCounts } from '../components/ShakenCounts';
import {
  DateTime,
  ErrorAlert,
  Field,
  FormError,
  Loading,
  PageTitle,
  Phone,
  SectionCard,
  ShowMore,
  useNow,
} from '../components/common';
import { CooperationBadge, ScorecardSection } from '../components/Cooperation';
import { MergeProvider } from '../components/MergeProvider';
import { ProviderForm } from '../components/ProviderForm';
import { rowsOfList, TracebackTable } from '../components/TracebackTable';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { describeHours } from '../lib/labels';
import { formatHours } from '../lib/time';
import { useUser } from '../session';
import { NotFoundPage } from './ErrorPages';

const ResponseTimeChart = lazy(async () => ({
  default: (await import('../components/charts')).ResponseTimeChart,
}));

/** A provider as staff see it: identifiers, contacts, response times, its tracebacks. */
export function ProviderPage() {
  const { id = '' } = useParams();
  return <ProviderView id={id} scope="all" />;
}

/** The provider a provider user speaks for: its own contacts and time zone, and its scorecard. */
export function MyProviderPage() {
  const user = useUser();
  if (!user.providerId) return <NotFoundPage />;
  return <ProviderView id={user.providerId} scope="self" />;
}

function ProviderView({ id, scope }: { id: string; scope: 'all' | 'self' }) {
  const provider = useProvider(id);
  const [editing, setEditing] = useState(false);
  if (provider.isPending) return <Loading label="Loading the provider" />;
  if (provider.isError)
    return isApiError(provider.error, 404) || isApiError(provider.error, 400) ? (
      <NotFoundPage />
    ) : (
      <ErrorAlert error={provider.error} />
    );
  const p = provider.data;
  return (
    <Stack gap="lg">
      <PageTitle
        title={p.name}
        right={
          p.can.update ? (
            <Group gap="xs">
              <Button variant="light" onClick={() => setEditing(true)}>
                {scope === 'self' ? 'Change contacts and time zone' : 'Change'}
              </Button>
              <Button
                component={Link}
                to={scope === 'self' ? '/my-provider/settings' : `/providers/${p.id}/settings`}
                variant="light"
              >
                Settings and webhooks
              </Button>
            </Group>
          ) : undefined
        }
      >
        <Group gap="sm" component="span">
          <span>{p.name}</span>
          {/* "Verified" vouches for the directory entry, not for the provider's conduct: neutral, with the
              cooperation status beside it (a provider that ignores requests never looks trustworthy). */}
          <CooperationBadge providerId={p.id} />
          {p.verified ? (
            <Badge color="gray" variant="light" tt="none" title="The consortium checked this directory entry">
              Entry verified
            </Badge>
          ) : (
            <Badge color="orange" variant="light" tt="none">
              Not verified
            </Badge>
          )}
        </Group>
      </PageTitle>
      {scope === 'all' && <MergeProvider provider={p} />}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Identifiers provider={p} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Contacts provider={p} />
        </Grid.Col>
      </Grid>
      <ScorecardSection providerId={p.id} staff={scope === 'all'} />
      <ResponseTimes providerId={p.id} />
      {p.contacts !== undefined && <RmdChanges provider={p} />}
      {p.contacts !== undefined && <Letters providerId={p.id} staff={scope === 'all'} />}
      <ShakenCounts providerId={p.id} />
      {scope === 'all' && <ProviderTracebacks providerId={p.id} />}
      {scope === 'self' && (
        <Text size="sm" c="dimmed">
          API keys for your integration are on{' '}
          <Anchor component={Link} to="/profile">
            your profile
          </Anchor>
          .
        </Text>
      )}
      {editing && <ProviderForm provider={p} scope={scope} onClose={() => setEditing(false)} />}
    </Stack>
  );
}

function Identifiers({ provider: p }: { provider: TProvider }) {
  const now = useNow();
  const localTime = new Intl.DateTimeFormat(undefined, {
    timeZone: p.timezone,
    weekday: 'short',
    hour: 'numeric',
    minute: '2-digit',
  }).format(now);
  return (
    <Paper withBorder p="md" h="100%">
      <Title order={2} size="h4" mb="sm">
        Identifiers
      </Title>
      <SimpleGrid cols={2} component="dl" m={0} spacing="sm">
        <Field label="OCN">{p.ocns.join(', ') || '—'}</Field>
        <Field label="FRN">{p.frn ?? '—'}</Field>
        <Field label="RMD filing">
          {p.rmdNumber ?? (
            <Text span size="sm" className="warning-text">
              None on record: downstream providers may not accept its traffic directly
            </Text>
          )}
        </Field>
        <Field label="Country">{p.country}</Field>
        <Field label="Other names">{p.dbaNames.join(', ') || '—'}</Field>
        <Field label="Time zone">
          {p.timezone}
          <Text span size="xs" c="dimmed">
            {' '}
            · now {localTime}
          </Text>
        </Field>
        <Field label="Business hours">{describeHours(p.businessHours)}</Field>
        <Field label="In the directory since">
          <DateTime iso={p.createdAt} dateOnly />
        </Field>
      </SimpleGrid>
    </Paper>
  );
}

function Contacts({ provider: p }: { provider: TProvider }) {
  return (
    <Paper withBorder p="md" h="100%">
      <Title order={2} size="h4" mb="sm">
        Traceback contacts
      </Title>
      {p.contacts === undefined ? (
        <Text size="sm" c="dimmed">
          Shown to consortium staff and to the provider itself.
        </Text>
      ) : p.contacts.length === 0 ? (
        <Alert color="orange" variant="light">
          No contact on file: requests to this provider cannot reach anyone.
        </Alert>
      ) : (
        <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {p.contacts.map((c, i) => (
            <li key={i}>
              <Text size="sm" fw={600}>
                {c.name}
              </Text>
              <Text size="sm">
                <Anchor href={`mailto:${c.email}`}>{c.email}</Anchor>
                {c.phone && <> · {c.phone.startsWith('+') ? <Phone e164={c.phone} /> : c.phone}</>}
              </Text>
            </li>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

const CHANGE_LABEL = {
  added: 'Filed (seen in an import)',
  changed: 'Filing changed',
  removed: 'Removed from the RMD',
};

/** What RMD imports saw happen to the provider's linked filing (staff and the provider's own users). */
function RmdChanges({ provider: p }: { provider: TProvider }) {
  const changes = useProviderRmdChanges(p.id);
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        RMD changes
      </Title>
      {changes.isPending && <Skeleton h={60} />}
      {changes.isError && <ErrorAlert error={changes.error} />}
      {changes.data &&
        (changes.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {p.rmd?.status === 'absent' || !p.rmd
              ? 'No RMD filing is linked to this provider.'
              : 'No change recorded for its filing.'}
          </Text>
        ) : (
          <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {changes.data.items.map((c) => (
              <li key={c.id}>
                <Text size="sm" className={c.kind === 'removed' ? 'warning-text' : undefined}>
                  <DateTime iso={c.at} dateOnly /> · {CHANGE_LABEL[c.kind]} ({c.filingNumber})
                  {c.kind === 'changed' && c.fields.length > 0 && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      ·{' '}
                      {c.fields
                        .map((f) => (f && typeof f === 'object' && 'field' in f ? String(f.field) : ''))
                        .filter(Boolean)
                        .join(', ')}
                    </Text>
                  )}
                </Text>
              </li>
            ))}
          </Stack>
        ))}
    </Paper>
  );
}

const PERIODS = [
  { value: '12', label: '12 weeks' },
  { value: '26', label: '26 weeks' },
  { value: '52', label: 'A year' },
];

function ResponseTimes({ providerId }: { providerId: string }) {
  const [weeks, setWeeks] = useState('12');
  const history = useResponseTimes(providerId, Number(weeks));
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Response times
        </Title>
        <SegmentedControl size="xs" data={PERIODS} value={weeks} onChange={setWeeks} aria-label="Period" />
      </Group>
      {history.isPending && <Skeleton h={200} />}
      {history.isError && <ErrorAlert error={history.error} />}
      {history.data && <ResponseBody r={history.data} />}
    </Paper>
  );
}

function ResponseBody({ r }: { r: TResponseTimes }) {
  const s = r.summary;
  return (
    <Stack>
      <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }} component="dl" m={0}>
        <Field label="Requests">{s.requested}</Field>
        <Field label="Answered">{s.answered}</Field>
        <Field label="Late">{s.late}</Field>
        <Field label="Unanswered past deadline">{s.unanswered}</Field>
        <Field label="Median response">{formatHours(s.medianHours)}</Field>
        <Field label="90th percentile">{formatHours(s.p90Hours)}</Field>
      </SimpleGrid>
      {s.requested === 0 || s.answered === 0 ? (
        <Text size="sm" c="dimmed">
          {s.requested === 0
            ? 'No request to this provider in the period.'
            : 'No answer in the period, so no response time to draw.'}
        </Text>
      ) : (
        <Suspense fallback={<Skeleton h={200} />}>
          <ResponseTimeChart perWeek={r.perWeek} />
        </Suspense>
      )}
    </Stack>
  );
}

function ProviderTracebacks({ providerId }: { providerId: string }) {
  const list = useTracebacks({ providerId }, 10);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <SectionCard
      title="Tracebacks through this provider"
      right={
        <Anchor component={Link} to={`/tracebacks?providerId=${providerId}`} size="sm">
          All, with filters
        </Anchor>
      }
    >
      {list.isPending && <Skeleton h={120} />}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && items.length === 0 && (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      )}
      {items.length > 0 && (
        <TracebackTable rows={rowsOfList(items)} label="Tracebacks through this provider" />
      )}
      <ShowMore list={list} />
    </SectionCard>
  );
}

/** Cease-and-desist letters against the provider: staff record them; staff and the provider's own users read them. */
function Letters({ providerId, staff }: { providerId: string; staff: boolean }) {
  const letters = useProviderLetters(providerId);
  const [adding, setAdding] = useState(false);
  return (
    <SectionCard
      title="Cease-and-desist letters"
      testId="letters"
      right={
        staff && (
          <Button size="xs" variant="light" onClick={() => setAdding(true)}>
            Record a letter
          </Button>
        )
      }
    >
      {letters.isPending ? (
        <Loading />
      ) : letters.isError ? (
        <ErrorAlert error={letters.error} title="Could not load the letters" />
      ) : letters.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No letter on file.
        </Text>
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="red.8">
            Hops through this provider in calls from a letter's date on are flagged on their tracebacks.
          </Text>
          {letters.data.items.map((l) => (
            <Paper key={l.id} withBorder p="xs" data-letter-id={l.id}>
              <Group gap="xs">
                <Badge color="red" variant="filled" tt="none">
                  {l.issuer}
                </Badge>
                <Text size="sm" fw={600} className="tabular">
                  {l.issuedOn}
                </Text>
                {l.responseDueOn && (
                  <Text size="sm" c="dimmed">
                    response due {l.responseDueOn}
                  </Text>
                )}
                {l.url && (
                  <Anchor href={l.url} target="_blank" rel="noopener noreferrer" size="sm">
                    the letter
                  </Anchor>
                )}
                {l.document && (
                  <Anchor href={l.document.url} download={l.document.name} size="sm">
                    {l.document.name}
                  </Anchor>
                )}
              </Group>
              <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
                {l.summary}
              </Text>
            </Paper>
          ))}
        </Stack>
      )}
      {adding && <LetterForm providerId={providerId} onClose={() => setAdding(false)} />}
    </SectionCard>
  );
}

function LetterForm({ providerId, onClose }: { providerId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [issuer, setIssuer] = useState<string | null>('FCC');
  const [issuedOn, setIssuedOn] = useState('');
  const [responseDueOn, setResponseDueOn] = useState('');
  const [url, setUrl] = useState('');
  const [summary, setSummary] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation({
    mutationFn: (body: unknown) => post<TLetter>(`/providers/${providerId}/letters`, body),
    onSuccess: async (l) => {
      notifications.show({ color: 'teal', title: 'Letter recorded', message: `${l.issuer}, ${l.issuedOn}` });
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.letters(providerId) });
      // The flag on hops and the cooperation figures read the letters too.
      await queryClient.invalidateQueries({ queryKey: keys.cooperation });
      await queryClient.invalidateQueries({ queryKey: ['traceback'] });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      issuer,
      issuedOn,
      ...(responseDueOn ? { responseDueOn } : {}),
      ...(url.trim() ? { url: url.trim() } : {}),
      summary,
    };
    const parsed = ZLetterCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  }
  return (
    <Modal opened onClose={onClose} title="Record a cease-and-desist letter" size="lg">
      <form onSubmit={submit} noValidate aria-label="Record a letter">
        <Stack>
          <FormError
            error={save.error}
            shownFields={['issuer', 'issuedOn', 'responseDueOn', 'url', 'summary']}
          />
          <Group grow align="flex-start">
            <Select
              id="issuer"
              label="Issuer"
              required
              allowDeselect={false}
              data={[...LETTER_ISSUERS]}
              value={issuer}
              onChange={setIssuer}
              error={errors.issuer}
            />
            <TextInput
              id="issuedOn"
              label="Dated"
              type="date"
              required
              value={issuedOn}
              onChange={(e) => setIssuedOn(e.currentTarget.value)}
              error={errors.issuedOn}
            />
            <TextInput
              id="responseDueOn"
              label="Response due"
              type="date"
              value={responseDueOn}
              onChange={(e) => setResponseDueOn(e.currentTarget.value)}
              error={errors.responseDueOn}
            />
          </Group>
          <TextInput
            id="url"
            label="Link to the letter"
            placeholder="https://…"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errors.url}
          />
          <Textarea
            id="summary"
            label="Summary"
            required
            autosize
            minRows={3}
            value={summary}
            onChange={(e) => setSummary(e.currentTarget.value)}
            error={errors.summary}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Record
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
