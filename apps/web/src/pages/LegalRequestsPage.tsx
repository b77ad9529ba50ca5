import { LEGAL_KINDS, ZLegalRequestCreate, type TLegalRequest } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  FileInput,
  Grid,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, post, uploadFile } from '../api/client';
import { keys, useAgencies, useLegalMatches, useLegalRequest, useLegalRequests } from '../api/queries';
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
import { fieldErrorsOf, focusFirstError, listOf, type FieldErrors } from '../lib/forms';
import { LEGAL_KIND_LABEL, LEGAL_STATUS_COLOR, LEGAL_STATUS_LABEL } from '../lib/labels';

function LegalStatus({ r }: { r: TLegalRequest }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={LEGAL_STATUS_COLOR[r.status]} variant="light" style={{ flexShrink: 0 }}>
        {LEGAL_STATUS_LABEL[r.status]}
      </Badge>
      {r.overdue && (
        <Badge color="red" data-testid="overdue" style={{ flexShrink: 0 }}>
          Overdue
        </Badge>
      )}
    </Group>
  );
}

const stillOpen = (r: TLegalRequest) => r.status === 'received' || r.status === 'gathering';

function daysLeftText(r: TLegalRequest): string {
  if (!stillOpen(r)) return '—';
  if (r.daysLeft < 0) return `${-r.daysLeft} days overdue`;
  if (r.daysLeft === 0) return 'due today';
  return `${r.daysLeft} days left`;
}

/** The legal process register (staff): subpoenas and CIDs, soonest due first, overdue ones marked. */
export function LegalRequestsPage() {
  const list = useLegalRequests();
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageTitle
        title="Legal requests"
        right={<Button onClick={() => setAdding(true)}>Record a request</Button>}
      >
        Legal requests
      </PageTitle>
      <Text c="dimmed" size="sm" mb="md">
        Subpoenas and civil investigative demands: gather the tracebacks they name, answer with a signed
        evidence package, and record the response. Soonest due date first.
      </Text>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} title="Could not load the register" />
      ) : list.data.length === 0 ? (
        <Text c="dimmed">No legal requests on file.</Text>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-label="Legal requests" verticalSpacing="xs" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Issuing agency</Table.Th>
                <Table.Th>Received</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((r) => (
                <Table.Tr key={r.id} data-legal-id={r.id} data-overdue={r.overdue || undefined}>
                  <Table.Td fw={600} style={{ whiteSpace: 'nowrap' }}>
                    <Anchor component={Link} to={`/legal/${r.id}`}>
                      {r.number}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{LEGAL_KIND_LABEL[r.kind]}</Table.Td>
                  <Table.Td>{r.issuingAgency}</Table.Td>
                  <Table.Td className="tabular" style={{ whiteSpace: 'nowrap' }}>
                    {r.receivedOn}
                  </Table.Td>
                  <Table.Td className="tabular" style={{ whiteSpace: 'nowrap' }}>
                    {r.dueOn}
                    {stillOpen(r) && (
                      <Text size="xs" c={r.overdue ? 'red' : 'dimmed'}>
                        {daysLeftText(r)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <LegalStatus r={r} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {adding && <LegalRequestForm onClose={() => setAdding(false)} />}
    </>
  );
}

function LegalRequestForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const agencies = useAgencies(true);
  const [kind, setKind] = useState<string | null>('subpoena');
  const [issuingAgency, setIssuingAgency] = useState('');
  const [issuingAgencyId, setIssuingAgencyId] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const [receivedOn, setReceivedOn] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [tracebackIds, setTracebackIds] = useState('');
  const [numbers, setNumbers] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [notes, setNotes] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation({
    mutationFn: async (body: unknown) => {
      const created = await post<TLegalRequest>('/legal-requests', body);
      if (!file) return { created, uploadError: null };
      // The request is on file either way; a refused document can be sent again from its page.
      try {
        await uploadFile(
          `/legal-requests/${created.id}/document?name=${encodeURIComponent(file.name)}`,
          file,
          'application/pdf',
          'PUT',
        );
        return { created, uploadError: null };
      } catch (e) {
        return { created, uploadError: e instanceof Error ? e.message : 'the upload failed' };
      }
    },
    onSuccess: async ({ created, uploadError }) => {
      notifications.show(
        uploadError
          ? { color: 'red', title: 'Request recorded, document refused', message: uploadError }
          : { color: 'teal', title: 'Legal request recorded', message: created.number },
      );
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.legalRequests });
      await navigate(`/legal/${created.id}`);
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      kind,
      issuingAgency,
      ...(issuingAgencyId ? { issuingAgencyId } : {}),
      number,
      receivedOn,
      dueOn,
      scope: {
        tracebackIds: listOf(tracebackIds),
        numbers: listOf(numbers),
        from: from || null,
        to: to || null,
      },
      ...(notes.trim() ? { notes } : {}),
    };
    const parsed = ZLegalRequestCreate.safeParse(body);
    const found = parsed.success ? {} : fieldErrorsOf(parsed.error.issues);
    if (file && file.type && file.type !== 'application/pdf') found.document = 'must be a PDF';
    if (Object.keys(found).length) {
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  }
  const shown = ['kind', 'issuingAgency', 'issuingAgencyId', 'number', 'receivedOn', 'dueOn', 'notes'];
  return (
    <Modal opened onClose={onClose} title="Record a legal request" size="lg">
      <form onSubmit={submit} noValidate aria-label="Record a legal request">
        <Stack>
          <FormError error={save.error} shownFields={shown} />
          <Grid>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                id="kind"
                label="Kind"
                required
                allowDeselect={false}
                data={LEGAL_KINDS.map((k) => ({ value: k, label: LEGAL_KIND_LABEL[k] }))}
                value={kind}
                onChange={setKind}
                error={errors.kind}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                id="issuingAgencyId"
                label="Issuing agency, from the directory"
                description="Its enforcement users then see where the request stands"
                searchable
                clearable
                placeholder={agencies.isError ? 'The directory could not be loaded' : 'Not in the directory'}
                data={(agencies.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
                value={issuingAgencyId}
                onChange={(v) => {
                  setIssuingAgencyId(v);
                  const chosen = agencies.data?.find((a) => a.id === v);
                  if (chosen) setIssuingAgency(chosen.name);
                }}
                error={errors.issuingAgencyId}
              />
            </Grid.Col>
            <Grid.Col span={12}>
              <TextInput
                id="issuingAgency"
                label="Issuing agency, as named on the document"
                required
                value={issuingAgency}
                onChange={(e) => setIssuingAgency(e.currentTarget.value)}
                error={errors.issuingAgency}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                id="number"
                label="Number"
                required
                value={number}
                onChange={(e) => setNumber(e.currentTarget.value)}
                error={errors.number}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                id="receivedOn"
                label="Received on"
                type="date"
                required
                value={receivedOn}
                onChange={(e) => setReceivedOn(e.currentTarget.value)}
                error={errors.receivedOn}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                id="dueOn"
                label="Due on"
                type="date"
                required
                value={dueOn}
                onChange={(e) => setDueOn(e.currentTarget.value)}
                error={errors.dueOn}
              />
            </Grid.Col>
          </Grid>
          <Text fw={600} size="sm">
            Scope: the tracebacks, numbers or dates it asks for (at least one)
          </Text>
          <Grid>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Textarea
                id="scope.tracebackIds"
                label="Traceback ids"
                description="One per line or separated by commas"
                autosize
                minRows={2}
                value={tracebackIds}
                onChange={(e) => setTracebackIds(e.currentTarget.value)}
                error={errors['scope.tracebackIds'] ?? errorsUnder(errors, 'scope.tracebackIds.')}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Textarea
                id="scope.numbers"
                label="Phone numbers"
                description="Calling or called; one per line or separated by commas"
                autosize
                minRows={2}
                value={numbers}
                onChange={(e) => setNumbers(e.currentTarget.value)}
                error={errors['scope.numbers'] ?? errorsUnder(errors, 'scope.numbers.')}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput
                id="scope.from"
                label="Calls from"
                type="date"
                value={from}
                onChange={(e) => setFrom(e.currentTarget.value)}
                error={errors['scope.from']}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput
                id="scope.to"
                label="Calls to"
                type="date"
                value={to}
                onChange={(e) => setTo(e.currentTarget.value)}
                error={errors['scope.to']}
              />
            </Grid.Col>
          </Grid>
          <FileInput
            id="document"
            label="The document (PDF)"
            clearable
            accept="application/pdf"
            value={file}
            onChange={setFile}
            error={errors.document}
          />
          <Textarea
            id="notes"
            label="Notes"
            autosize
            minRows={2}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            error={errors.notes}
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

/** The first error under a list field (`scope.numbers.2`), named by its position. */
function errorsUnder(errors: FieldErrors, prefix: string): string | undefined {
  const key = Object.keys(errors).find((k) => k.startsWith(prefix));
  return key ? `item ${Number(key.slice(prefix.length)) + 1}: ${errors[key]}` : undefined;
}

/** One legal request: its scope, the traces it matches, gathering, the package and the response. */
export function LegalRequestPage() {
  const { id = '' } = useParams();
  const request = useLegalRequest(id);
  if (request.isPending) return <Loading />;
  if (request.isError) return <ErrorAlert error={request.error} title="Could not load the legal request" />;
  const r = request.data;
  return (
    <>
      <PageTitle title={`Legal request ${r.number}`} right={<LegalStatus r={r} />}>
        {LEGAL_KIND_LABEL[r.kind]} {r.number}
      </PageTitle>
      <Stack>
        <SectionCard title="The request">
          <SimpleGrid cols={{ base: 1, sm: 3 }} component="dl" spacing="sm">
            <Field label="Issuing agency">
              {r.issuingAgency}
              {!r.issuingAgencyId && (
                <Text span size="xs" c="dimmed">
                  {' '}
                  (not linked to the directory)
                </Text>
              )}
            </Field>
            <Field label="Received on">{r.receivedOn}</Field>
            <Field label="Due on">
              {r.dueOn} ({daysLeftText(r)})
            </Field>
            <Field label="Traceback ids">
              {r.scope.tracebackIds.length ? r.scope.tracebackIds.join(', ') : '—'}
            </Field>
            <Field label="Numbers">
              {r.scope.numbers.length
                ? r.scope.numbers.map((n, i) => (
                    <span key={n}>
                      {i > 0 && ', '}
                      <Phone e164={n} />
                    </span>
                  ))
                : '—'}
            </Field>
            <Field label="Calls between">
              {r.scope.from || r.scope.to ? `${r.scope.from ?? '…'} – ${r.scope.to ?? '…'}` : '—'}
            </Field>
            <Field label="Document">
              {r.document ? (
                <Anchor href={r.document.url} download={r.document.name} data-testid="legal-document">
                  {r.document.name}
                </Anchor>
              ) : (
                'none'
              )}
            </Field>
            {r.notes && <Field label="Notes">{r.notes}</Field>}
          </SimpleGrid>
          {stillOpen(r) && <DocumentUpload r={r} />}
        </SectionCard>
        <Matches r={r} />
        <PackageSection r={r} />
        <ResponseSection r={r} />
      </Stack>
    </>
  );
}

function useRefresh(id: string) {
  const queryClient = useQueryClient();
  return async (r: TLegalRequest) => {
    queryClient.setQueryData(keys.legalRequest(id), r);
    await queryClient.invalidateQueries({ queryKey: keys.legalRequests });
  };
}

function DocumentUpload({ r }: { r: TLegalRequest }) {
  const refresh = useRefresh(r.id);
  const upload = useMutation({
    mutationFn: (file: File) =>
      uploadFile<TLegalRequest>(
        `/legal-requests/${r.id}/document?name=${encodeURIComponent(file.name)}`,
        file,
        'application/pdf',
        'PUT',
      ),
    onSuccess: refresh,
  });
  return (
    <Group mt="sm" align="flex-end">
      <FileInput
        id="document"
        label={r.document ? 'Replace the document (PDF)' : 'Add the document (PDF)'}
        accept="application/pdf"
        value={null}
        onChange={(f) => f && upload.mutate(f)}
        error={upload.error?.message}
        disabled={upload.isPending}
        w={320}
      />
    </Group>
  );
}

function Matches({ r }: { r: TLegalRequest }) {
  const matches = useLegalMatches(r.id);
  const refresh = useRefresh(r.id);
  const isOpen = stillOpen(r);
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const gathered = new Set(r.gathered.tracebackIds);
  const selected =
    chosen ?? (gathered.size ? gathered : new Set((matches.data?.items ?? []).map((m) => m.id)));
  const gather = useMutation({
    mutationFn: () => post<TLegalRequest>(`/legal-requests/${r.id}/gather`, { tracebackIds: [...selected] }),
    onSuccess: async (next) => {
      setChosen(null);
      notifications.show({
        color: 'teal',
        title: 'Set confirmed',
        message: `${next.gathered.tracebackIds.length} ${next.gathered.tracebackIds.length === 1 ? 'traceback' : 'tracebacks'} gathered`,
      });
      await refresh(next);
    },
  });
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };
  return (
    <SectionCard
      title="Matching tracebacks"
      testId="legal-matches"
      right={
        isOpen && (
          <Button
            onClick={() => gather.mutate()}
            loading={gather.isPending}
            disabled={selected.size === 0}
            data-testid="gather"
          >
            Gather {selected.size} {selected.size === 1 ? 'traceback' : 'tracebacks'}
          </Button>
        )
      }
    >
      <Stack gap="xs">
        <FormError error={gather.error} />
        {r.gathered.at && (
          <Text size="sm" c="dimmed">
            {r.gathered.tracebackIds.length} gathered on <DateTime iso={r.gathered.at} />
          </Text>
        )}
        {matches.isPending ? (
          <Loading label="Finding the tracebacks" />
        ) : matches.isError ? (
          <ErrorAlert error={matches.error} />
        ) : matches.data.items.length === 0 ? (
          <Text c="dimmed" size="sm">
            No traceback matches the scope.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Matching tracebacks" verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>
                    <Text span size="xs">
                      Gather
                    </Text>
                  </Table.Th>
                  <Table.Th>Call</Table.Th>
                  <Table.Th>Calling</Table.Th>
                  <Table.Th>Called</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {matches.data.items.map((m) => (
                  <Table.Tr key={m.id} data-traceback-id={m.id}>
                    <Table.Td>
                      <Checkbox
                        aria-label={`Gather traceback ${m.id}`}
                        checked={selected.has(m.id)}
                        disabled={!isOpen}
                        onChange={(e) => toggle(m.id, e.currentTarget.checked)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <DateTime iso={m.call.startedAt} compact />
                    </Table.Td>
                    <Table.Td>
                      <Phone e164={m.call.callingNumber} />
                    </Table.Td>
                    <Table.Td>
                      <Phone e164={m.call.calledNumber} />
                    </Table.Td>
                    <Table.Td>{m.outcome ?? m.status}</Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/tracebacks/${m.id}`} size="sm">
                        Open
                      </Anchor>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {matches.data?.truncated && (
          <Alert color="yellow">Only the first 500 matches are shown: narrow the scope.</Alert>
        )}
      </Stack>
    </SectionCard>
  );
}

function PackageSection({ r }: { r: TLegalRequest }) {
  const refresh = useRefresh(r.id);
  const build = useMutation({
    mutationFn: () => post<TLegalRequest>(`/legal-requests/${r.id}/evidence-packages`, {}),
    onSuccess: async (next) => {
      notifications.show({ color: 'teal', title: 'Evidence package built', message: 'Ready to download' });
      await refresh(next);
    },
  });
  const canBuild = r.gathered.tracebackIds.length > 0 && r.status !== 'closed' && r.status !== 'responded';
  return (
    <SectionCard
      title="Evidence package"
      testId="legal-package"
      right={
        canBuild && (
          <Button
            variant="light"
            onClick={() => build.mutate()}
            loading={build.isPending}
            data-testid="build-package"
          >
            {r.packageId ? 'Build again' : 'Build evidence package'}
          </Button>
        )
      }
    >
      <Stack gap="xs">
        <FormError error={build.error} />
        {r.packageUrl ? (
          <Text size="sm">
            <Anchor
              href={r.packageUrl}
              download={`evidence-${r.packageId}.zip`}
              data-testid="package-download"
            >
              Download the evidence package
            </Anchor>{' '}
            <Text span size="xs" c="dimmed">
              (check it with: hoptrace evidence verify evidence-{r.packageId}.zip)
            </Text>
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            {r.gathered.tracebackIds.length
              ? 'No package built yet.'
              : 'Gather the tracebacks first; the package covers the gathered set.'}
          </Text>
        )}
      </Stack>
    </SectionCard>
  );
}

function ResponseSection({ r }: { r: TLegalRequest }) {
  const refresh = useRefresh(r.id);
  const [respondedAt, setRespondedAt] = useState('');
  const [method, setMethod] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const record = useMutation({
    mutationFn: (body: unknown) => post<TLegalRequest>(`/legal-requests/${r.id}/response`, body),
    onSuccess: async (next) => {
      notifications.show({ color: 'teal', title: 'Response recorded', message: next.number });
      await refresh(next);
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  if (r.response)
    return (
      <SectionCard title="Response" testId="legal-response">
        <SimpleGrid cols={{ base: 1, sm: 3 }} component="dl" spacing="sm">
          <Field label="Sent">
            <DateTime iso={r.response.at} />
          </Field>
          <Field label="How">{r.response.method}</Field>
          {r.response.note && <Field label="Note">{r.response.note}</Field>}
        </SimpleGrid>
      </SectionCard>
    );
  if (r.status === 'closed') return null;
  function submit(e: FormEvent) {
    e.preventDefault();
    const when = respondedAt ? new Date(respondedAt) : null;
    const found: FieldErrors = {};
    if (!when || Number.isNaN(when.getTime())) found.respondedAt = 'when was it sent?';
    if (!method.trim()) found.method = 'must not be blank';
    if (Object.keys(found).length) {
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    record.mutate({ respondedAt: when!.toISOString(), method, ...(note.trim() ? { note } : {}) });
  }
  return (
    <SectionCard title="Record the response" testId="legal-response">
      <Paper>
        <form onSubmit={submit} noValidate aria-label="Record the response">
          <Stack gap="sm">
            <FormError error={record.error} shownFields={['respondedAt', 'method', 'note']} />
            <Grid>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <TextInput
                  id="respondedAt"
                  label="Sent at"
                  type="datetime-local"
                  required
                  value={respondedAt}
                  onChange={(e) => setRespondedAt(e.currentTarget.value)}
                  error={errors.respondedAt}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 8 }}>
                <TextInput
                  id="method"
                  label="How"
                  placeholder="e.g. email to counsel, secure portal, courier"
                  required
                  value={method}
                  onChange={(e) => setMethod(e.currentTarget.value)}
                  error={errors.method}
                />
              </Grid.Col>
            </Grid>
            <Textarea
              id="note"
              label="Note"
              autosize
              minRows={2}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              error={errors.note}
            />
            {!r.packageId && (
              <Text size="sm" c="dimmed">
                No evidence package has been built for this request; the response is recorded without one.
              </Text>
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={record.isPending}>
                Record the response
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </SectionCard>
  );
}
