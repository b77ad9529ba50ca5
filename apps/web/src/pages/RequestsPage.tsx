import { ZTracebackRequestCreate, ZTracebackRequestDecline, type TTracebackRequest } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileInput,
  Grid,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, post } from '../api/client';
import { useTracebackRequests, useTracebacks } from '../api/queries';
import { DateTime, ErrorAlert, Loading, PageTitle, Phone } from '../components/common';
import { IssuedLegalRequests } from '../components/IssuedLegalRequests';
import { PhoneField } from '../components/PhoneField';
import { ProviderPicker } from '../components/ProviderPicker';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { STAFF, useUser } from '../session';

const STATUS_COLOR = { pending: 'yellow', accepted: 'teal', declined: 'gray' } as const;

function RequestBadges({ r }: { r: TTracebackRequest }) {
  return (
    <Group gap={4}>
      <Badge color={STATUS_COLOR[r.status]} variant="light" tt="none">
        {r.status === 'pending' ? 'Pending' : r.status === 'accepted' ? 'Accepted' : 'Declined'}
      </Badge>
      {r.urgency === 'urgent' && (
        <Badge color="red" variant="filled" tt="none" data-urgent>
          Urgent
        </Badge>
      )}
      {r.recentCall && r.status === 'pending' && (
        <Badge color="blue" variant="light" tt="none">
          Call under 10 days old
        </Badge>
      )}
    </Group>
  );
}

function ResultCell({ r }: { r: TTracebackRequest }) {
  if (r.status === 'declined')
    return (
      <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
        Declined: {r.declineReason}
      </Text>
    );
  if (!r.traceback) return <Text size="sm">Waiting for the consortium</Text>;
  const state = r.traceback.status === 'open' ? 'Traceback running' : 'Traceback closed';
  return r.traceback.referredToYou ? (
    <Anchor component={Link} to={`/tracebacks/${r.traceback.id}`} size="sm">
      {state}
      {r.traceback.outcome ? ` — ${r.traceback.outcome.replace(/_/g, ' ')}` : ''} (referred to you)
    </Anchor>
  ) : (
    <Text size="sm">{state}</Text>
  );
}

/**
 * Agencies' traceback requests. Staff: the queue, the ITG's priority first (pending, urgent, calls under ten
 * days old), each accepted (which opens its traceback) or declined with a reason. An enforcement user: its
 * agency's home — its requests with their status, a form for a new one, and the tracebacks referred to it.
 */
export function RequestsPage() {
  const user = useUser();
  return STAFF.includes(user.role) ? <StaffQueue /> : <AgencyHome />;
}

function StaffQueue() {
  const [status, setStatus] = useState<string | null>('pending');
  const list = useTracebackRequests(status ?? undefined);
  const [declining, setDeclining] = useState<TTracebackRequest | null>(null);
  const [accepting, setAccepting] = useState<TTracebackRequest | null>(null);
  return (
    <>
      <PageTitle title="Agency requests">
        Traceback requests from enforcement agencies. Urgent requests (live threats) and calls under ten days
        old come first; an urgent request&apos;s traceback gives each hop a few hours, at any hour.
      </PageTitle>
      <Select
        label="Status"
        w={200}
        mb="md"
        data={[
          { value: 'pending', label: 'Pending' },
          { value: 'accepted', label: 'Accepted' },
          { value: 'declined', label: 'Declined' },
        ]}
        value={status}
        onChange={setStatus}
        clearable
        placeholder="All"
      />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} title="Could not load the requests" />
      ) : list.data.length === 0 ? (
        <Text c="dimmed">No requests here.</Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="Agency requests" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Agency</Table.Th>
                <Table.Th>Call</Table.Th>
                <Table.Th>Why it matters</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Action</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((r) => (
                <Table.Tr key={r.id} data-request-id={r.id}>
                  <Table.Td>
                    <Text fw={600} size="sm">
                      {r.agency}
                    </Text>
                    <Text size="xs" c="dimmed">
                      <DateTime iso={r.submittedAt} /> by {r.submittedBy ?? 'unknown'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      <Phone e164={r.call.callingNumber} /> → <Phone e164={r.call.calledNumber} />
                    </Text>
                    <Text size="xs" c="dimmed">
                      <DateTime iso={r.call.startedAt} />
                      {r.call.terminatingProviderName ? ` · ${r.call.terminatingProviderName}` : ''}
                    </Text>
                    {r.attachments.length > 0 && (
                      <Text size="xs">
                        {r.attachments.map((a) => (
                          <Anchor
                            key={a.id}
                            href={`/api/v1/traceback-requests/${r.id}/attachments/${a.id}`}
                            mr="xs"
                          >
                            {a.name}
                          </Anchor>
                        ))}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={3}>
                      {r.reason}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <RequestBadges r={r} />
                  </Table.Td>
                  <Table.Td>
                    {r.can.accept ? (
                      <Group gap="xs">
                        <Button size="xs" onClick={() => setAccepting(r)}>
                          Accept
                        </Button>
                        <Button size="xs" variant="outline" color="red" onClick={() => setDeclining(r)}>
                          Decline
                        </Button>
                      </Group>
                    ) : r.traceback ? (
                      <Anchor component={Link} to={`/tracebacks/${r.traceback.id}`} size="sm">
                        Open the traceback
                      </Anchor>
                    ) : (
                      <Text size="sm">{r.declineReason}</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {accepting && <AcceptModal request={accepting} onClose={() => setAccepting(null)} />}
      {declining && <DeclineModal request={declining} onClose={() => setDeclining(null)} />}
    </>
  );
}

function useDecide(requestId: string, action: 'accept' | 'decline', onDone: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) =>
      post<TTracebackRequest>(`/traceback-requests/${requestId}/${action}`, body),
    onSuccess: async (r) => {
      notifications.show({
        color: 'teal',
        title: action === 'accept' ? 'Accepted: traceback opened' : 'Declined',
        message: r.agency,
      });
      onDone();
      await queryClient.invalidateQueries({ queryKey: ['traceback-requests'] });
      await queryClient.invalidateQueries({ queryKey: ['tracebacks'] });
    },
  });
}

function AcceptModal({ request, onClose }: { request: TTracebackRequest; onClose: () => void }) {
  const [providerId, setProviderId] = useState<string | null>(request.call.terminatingProviderId);
  const accept = useDecide(request.id, 'accept', onClose);
  const errors = accept.error instanceof ApiError ? accept.error.fieldErrors : {};
  return (
    <Modal opened onClose={onClose} title={`Accept the request of ${request.agency}`}>
      <form
        aria-label="Accept the request"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          accept.mutate(providerId ? { firstProviderId: providerId } : {});
        }}
      >
        <Stack>
          <Text size="sm">
            This opens a traceback of the call at the provider that terminated it
            {request.urgency === 'urgent'
              ? ': an urgent one, every hop due a few hours after it is asked, business hours ignored, and the providers’ escalation contacts told at once.'
              : '.'}
          </Text>
          {accept.error && !Object.keys(errors).length && (
            <Alert color="red" role="alert">
              {accept.error.message}
            </Alert>
          )}
          <ProviderPicker
            id="firstProviderId"
            label="Terminating provider (where the traceback starts)"
            required
            value={providerId}
            onChange={setProviderId}
            error={errors.firstProviderId}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={accept.isPending}>
              Accept and open the traceback
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeclineModal({ request, onClose }: { request: TTracebackRequest; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const decline = useDecide(request.id, 'decline', onClose);
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = ZTracebackRequestDecline.safeParse({ reason });
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    decline.mutate(parsed.data);
  }
  const apiErrors = decline.error instanceof ApiError ? decline.error.fieldErrors : {};
  return (
    <Modal opened onClose={onClose} title={`Decline the request of ${request.agency}`}>
      <form aria-label="Decline the request" noValidate onSubmit={submit}>
        <Stack>
          {decline.error && !Object.keys(apiErrors).length && (
            <Alert color="red" role="alert">
              {decline.error.message}
            </Alert>
          )}
          <Textarea
            label="Reason (the agency reads it)"
            required
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.reason ?? apiErrors.reason}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={decline.isPending}>
              Decline
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function AgencyHome() {
  const requests = useTracebackRequests();
  const referred = useTracebacks({});
  const [formOpen, setFormOpen] = useState(false);
  const referredItems = referred.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle
        title="Your agency's desk"
        right={!formOpen && <Button onClick={() => setFormOpen(true)}>Ask for a traceback…</Button>}
      >
        Ask the consortium to trace a call, follow your requests, and read the tracebacks referred to your
        agency.
      </PageTitle>
      <Stack>
        {formOpen && <RequestForm onDone={() => setFormOpen(false)} />}
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Your requests
          </Title>
          {requests.isPending ? (
            <Loading />
          ) : requests.isError ? (
            <ErrorAlert error={requests.error} title="Could not load your requests" />
          ) : requests.data.length === 0 ? (
            <Text c="dimmed" size="sm">
              No requests yet.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table aria-label="Your requests" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Submitted</Table.Th>
                    <Table.Th>Call</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Result</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {requests.data.map((r) => (
                    <Table.Tr key={r.id} data-request-id={r.id}>
                      <Table.Td>
                        <DateTime iso={r.submittedAt} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          <Phone e164={r.call.callingNumber} /> → <Phone e164={r.call.calledNumber} />
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <RequestBadges r={r} />
                      </Table.Td>
                      <Table.Td>
                        <ResultCell r={r} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Paper>
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Referred to your agency
          </Title>
          {referred.isPending ? (
            <Loading />
          ) : referredItems.length === 0 ? (
            <Text c="dimmed" size="sm">
              Nothing referred to your agency yet.
            </Text>
          ) : (
            <Stack gap={4} aria-label="Referred to your agency" role="list">
              {referredItems.map((t) => (
                <Group key={t.id} gap="xs" role="listitem" data-traceback-id={t.id}>
                  <Anchor component={Link} to={`/tracebacks/${t.id}`} size="sm">
                    <Phone e164={t.call.callingNumber} /> → <Phone e164={t.call.calledNumber} />
                  </Anchor>
                  <Badge variant="light" tt="none">
                    {t.status === 'open' ? 'Open' : (t.outcome ?? 'closed').replace(/_/g, ' ')}
                  </Badge>
                  {t.urgent && (
                    <Badge color="red" tt="none">
                      Urgent
                    </Badge>
                  )}
                </Group>
              ))}
            </Stack>
          )}
        </Paper>
        <IssuedLegalRequests />
      </Stack>
    </>
  );
}

const fileToBase64 = async (file: File): Promise<string> => {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
};

/** What an agency knows of the call, why it matters, how urgent it is, and its evidence. */
function RequestForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const [startedAt, setStartedAt] = useState('');
  const [callingNumber, setCallingNumber] = useState('');
  const [calledNumber, setCalledNumber] = useState('');
  const [providerId, setProviderId] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [urgency, setUrgency] = useState<string>('normal');
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = useMutation({
    mutationFn: (body: unknown) => post<TTracebackRequest>('/traceback-requests', body),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Request sent', message: 'The consortium will answer it.' });
      onDone();
      await queryClient.invalidateQueries({ queryKey: ['traceback-requests'] });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  async function send(e: FormEvent) {
    e.preventDefault();
    const when = startedAt ? new Date(startedAt) : null;
    const body = {
      call: {
        startedAt: when && !Number.isNaN(when.getTime()) ? when.toISOString() : startedAt,
        callingNumber,
        calledNumber,
        ...(providerId ? { terminatingProviderId: providerId } : {}),
      },
      reason,
      urgency,
      attachments: await Promise.all(
        files.map(async (f) => ({ name: f.name, dataBase64: await fileToBase64(f) })),
      ),
    };
    const parsed = ZTracebackRequestCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    submit.mutate(body);
  }
  const problem =
    submit.error && !(submit.error instanceof ApiError && Object.keys(submit.error.fieldErrors).length)
      ? submit.error.message
      : null;
  const fileError = Object.entries(errors).find(([k]) => k.startsWith('attachments'))?.[1];
  return (
    <Paper withBorder p="md">
      <form onSubmit={(e) => void send(e)} noValidate aria-label="Ask for a traceback">
        <Stack>
          <Title order={2} size="h4">
            Ask for a traceback
          </Title>
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
          <Grid>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                id="call.startedAt"
                label="Call time"
                type="datetime-local"
                required
                value={startedAt}
                onChange={(e) => setStartedAt(e.currentTarget.value)}
                error={errors['call.startedAt']}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <PhoneField
                id="call.callingNumber"
                label="Calling number (caller ID)"
                required
                value={callingNumber}
                onChange={setCallingNumber}
                error={errors['call.callingNumber']}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <PhoneField
                id="call.calledNumber"
                label="Called number"
                required
                value={calledNumber}
                onChange={setCalledNumber}
                error={errors['call.calledNumber']}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <ProviderPicker
                id="call.terminatingProviderId"
                label="Terminating provider, if known"
                value={providerId}
                onChange={setProviderId}
                error={errors['call.terminatingProviderId']}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                id="urgency"
                label="Urgency"
                data={[
                  { value: 'normal', label: 'Normal' },
                  { value: 'urgent', label: 'Urgent — a live threat (bomb threat, swatting, impersonation)' },
                ]}
                value={urgency}
                onChange={(v) => v && setUrgency(v)}
                allowDeselect={false}
                error={errors.urgency}
              />
            </Grid.Col>
            <Grid.Col span={12}>
              <Textarea
                id="reason"
                label="Why it matters"
                required
                autosize
                minRows={3}
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                error={errors.reason}
              />
            </Grid.Col>
            <Grid.Col span={12}>
              <FileInput
                id="attachments"
                label="Evidence"
                description="Up to 5 files (PDF, images, audio), 10 MB each"
                multiple
                clearable
                accept="application/pdf,image/*,audio/*"
                value={files}
                onChange={setFiles}
                error={fileError}
              />
            </Grid.Col>
          </Grid>
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onDone}>
              Cancel
            </Button>
            <Button type="submit" loading={submit.isPending}>
              Send the request
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
