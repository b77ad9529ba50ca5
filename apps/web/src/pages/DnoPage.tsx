import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, post, request } from '../api/client';
import { keys, useDnoList } from '../api/queries';
import { DateTime, ErrorAlert, Loading, PageTitle } from '../components/common';
import { DNO_CATEGORY_VALUES, type TDnoEntry } from '../lib/contracts';
import { focusFirstError, type FieldErrors } from '../lib/forms';
import { formatPhone } from '../lib/phone';
import { STAFF, useUser } from '../session';

const CATEGORY_LABEL: Record<(typeof DNO_CATEGORY_VALUES)[number], string> = {
  subscriber_requested: 'Subscriber requested',
  invalid: 'Invalid',
  unallocated: 'Unallocated',
  allocated_unused: 'Allocated, unused',
};

/** How many matching entries the table shows at once. */
const SHOWN = 100;

/** The E.164 form of what was typed, when it reads as a whole North American or international number. */
function asE164(search: string): string | null {
  const digits = search.replace(/\D/g, '');
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length >= 11 && digits.length <= 15) return `+${digits}`;
  return null;
}

/** Entries that list the number typed (within the range), or whose fields contain the words typed. */
function matchDno(entries: readonly TDnoEntry[], search: string): TDnoEntry[] {
  const q = search.trim().toLowerCase();
  if (!q) return [...entries];
  const e164 = asE164(q);
  const digits = q.replace(/\D/g, '');
  return entries.filter((e) => {
    if (e164 && e164.length === e.start.length && e.start <= e164 && e164 <= e.end) return true;
    if (digits.length >= 3 && /^[\d\s()+.-]+$/.test(q))
      return e.start.includes(digits) || e.end.includes(digits);
    return [e.category, CATEGORY_LABEL[e.category], e.source, e.reason, e.organisation]
      .filter(Boolean)
      .some((f) => f!.toLowerCase().includes(q));
  });
}

const numbersOf = (e: TDnoEntry) =>
  e.start === e.end ? formatPhone(e.start) : `${formatPhone(e.start)} – ${formatPhone(e.end)}`;

/**
 * The Do-Not-Originate list: numbers no call should come from. Staff and provider users read and search it;
 * staff add and retire entries (the API's DNO routes).
 */
export function DnoPage() {
  const user = useUser();
  const canChange = STAFF.includes(user.role);
  const list = useDnoList();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const [adding, setAdding] = useState(false);
  const [retiring, setRetiring] = useState<TDnoEntry | null>(null);
  const matches = useMemo(() => matchDno(list.data?.entries ?? [], debounced), [list.data, debounced]);
  return (
    <>
      <PageTitle
        title="DNO list"
        right={canChange ? <Button onClick={() => setAdding(true)}>Add an entry</Button> : undefined}
      >
        Do-Not-Originate list
      </PageTitle>
      <Text c="dimmed" mb="md" maw={720}>
        Numbers that never place calls (unassigned, invalid, or kept for inbound calls only): a call from one
        of them is spoofed, and a provider can block it. Download it for your switch with the API (
        <code>GET /api/v1/dno/list?format=csv</code>).
      </Text>
      {list.isPending && <Loading label="Loading the DNO list" />}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && (
        <>
          <Group align="flex-end" mb="md">
            <TextInput
              label="Search"
              description="A number (is it listed?), or words of the reason, source or organisation"
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              w={420}
            />
            <Text size="sm" c="dimmed" aria-live="polite" data-testid="dno-count">
              {debounced.trim()
                ? `${matches.length} of ${list.data.entries.length} entries match`
                : `${list.data.entries.length} entries`}{' '}
              · version {list.data.version}
            </Text>
          </Group>
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label="DNO entries" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Numbers</Table.Th>
                  <Table.Th>Category</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Source</Table.Th>
                  <Table.Th>Added</Table.Th>
                  {canChange && (
                    <Table.Th>
                      <VisuallyHidden>Actions</VisuallyHidden>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {matches.slice(0, SHOWN).map((e) => (
                  <Table.Tr key={e.id} data-dno-id={e.id}>
                    <Table.Td className="tabular" style={{ whiteSpace: 'nowrap' }}>
                      {numbersOf(e)}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color="gray" tt="none">
                        {CATEGORY_LABEL[e.category]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {e.reason ?? '—'}
                      {e.organisation && (
                        <Text size="xs" c="dimmed">
                          for {e.organisation}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{e.source ?? '—'}</Table.Td>
                    <Table.Td>
                      <DateTime iso={e.addedAt} dateOnly />
                    </Table.Td>
                    {canChange && (
                      <Table.Td>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setRetiring(e)}
                          aria-label={`Remove ${numbersOf(e)} from the list`}
                        >
                          Remove
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {matches.length === 0 && (
            <Text c="dimmed" mt="sm">
              {debounced.trim() ? 'Nothing on the list matches.' : 'The list is empty.'}
            </Text>
          )}
          {matches.length > SHOWN && (
            <Text size="sm" c="dimmed" mt="sm">
              The first {SHOWN} of {matches.length} are shown; narrow the search to find the others.
            </Text>
          )}
        </>
      )}
      {adding && <AddDnoEntry onClose={() => setAdding(false)} />}
      {retiring && <RetireDnoEntry entry={retiring} onClose={() => setRetiring(null)} />}
    </>
  );
}

function AddDnoEntry({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [category, setCategory] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const [end, setEnd] = useState('');
  const [reason, setReason] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [source, setSource] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const add = useMutation({
    mutationFn: (entry: Record<string, string>) =>
      post<{ results: Array<{ status: 'added' | 'unchanged'; entry: TDnoEntry }> }>('/dno/entries', {
        entries: [entry],
      }),
    onSuccess: async (r) => {
      const first = r.results[0];
      notifications.show({
        color: 'teal',
        title: first?.status === 'unchanged' ? 'Already on the list' : 'Added to the DNO list',
        message: first ? numbersOf(first.entry) : '',
      });
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.dno });
    },
    onError: (err) => {
      if (!(err instanceof ApiError)) return;
      // The API names fields inside the one entry sent (entries.0.number).
      const found: FieldErrors = {};
      for (const [path, message] of Object.entries(err.fieldErrors))
        found[path.replace(/^entries\.0\.?/, '') || 'form'] = message;
      setErrors(found);
      focusFirstError();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const found: FieldErrors = {};
    if (!category) found.category = 'Choose a category';
    if (!number.trim()) found.number = 'Enter a number, or the first number of a range';
    if (category === 'subscriber_requested' && !organisation.trim())
      found.organisation = 'Say who asked for it (the number’s subscriber)';
    const rangeEnd = end.trim() ? asE164(end) : null;
    const rangeStart = asE164(number);
    if (end.trim() && !rangeEnd) found.end = 'Enter the last number of the range in full';
    if (end.trim() && !rangeStart) found.number = 'Enter the first number of the range in full';
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirstError();
      return;
    }
    const entry: Record<string, string> = { category: category! };
    if (rangeEnd && rangeStart) Object.assign(entry, { start: rangeStart, end: rangeEnd });
    else entry.number = number.trim();
    if (reason.trim()) entry.reason = reason.trim();
    if (organisation.trim()) entry.organisation = organisation.trim();
    if (source.trim()) entry.source = source.trim();
    add.mutate(entry);
  }
  const formError =
    errors.form ??
    (add.error && !(add.error instanceof ApiError && Object.keys(add.error.fieldErrors).length)
      ? add.error.message
      : undefined);
  return (
    <Modal opened onClose={onClose} title="Add to the DNO list" size="lg">
      <form onSubmit={submit} noValidate aria-label="Add to the DNO list">
        <Stack>
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          <Select
            id="category"
            label="Category"
            required
            data={DNO_CATEGORY_VALUES.map((c) => ({ value: c, label: CATEGORY_LABEL[c] }))}
            value={category}
            onChange={setCategory}
            error={errors.category}
            data-autofocus
          />
          <Group grow align="flex-start">
            <TextInput
              id="number"
              label="Number"
              description="A single number, or the first of a range"
              required
              value={number}
              onChange={(e) => setNumber(e.currentTarget.value)}
              error={errors.number ?? errors.start}
            />
            <TextInput
              id="end"
              label="Last number of the range"
              description="Leave empty for a single number"
              value={end}
              onChange={(e) => setEnd(e.currentTarget.value)}
              error={errors.end}
            />
          </Group>
          <TextInput
            id="organisation"
            label="Asked for by"
            description="The subscriber (an agency, a bank); required for a subscriber-requested entry"
            value={organisation}
            onChange={(e) => setOrganisation(e.currentTarget.value)}
            error={errors.organisation}
          />
          <TextInput
            id="reason"
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.reason}
          />
          <TextInput
            id="source"
            label="Source"
            value={source}
            onChange={(e) => setSource(e.currentTarget.value)}
            error={errors.source}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function RetireDnoEntry({ entry, onClose }: { entry: TDnoEntry; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const retire = useMutation({
    mutationFn: () =>
      request<unknown>('DELETE', `/dno/entries/${entry.id}`, {
        body: reason.trim() ? { reason: reason.trim() } : {},
      }),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Removed from the DNO list', message: numbersOf(entry) });
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.dno });
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Remove ${numbersOf(entry)} from the list?`}>
      <Stack>
        <Text size="sm">
          Providers that download the list will stop blocking calls from{' '}
          {entry.start === entry.end ? 'this number' : 'these numbers'}. The entry stays in the list&apos;s
          history as removed.
        </Text>
        {retire.error && <ErrorAlert error={retire.error} title="Could not remove it" />}
        <TextInput
          label="Why (optional)"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="subtle" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={retire.isPending} onClick={() => retire.mutate()}>
            Remove
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
