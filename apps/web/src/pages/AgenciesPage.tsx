import { AGENCY_KINDS, ZAgencyCreate, type TAgency } from '../lib/contracts';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, del, patch, post } from '../api/client';
import { keys, useAgencies } from '../api/queries';
import { ErrorAlert, Loading, PageTitle } from '../components/common';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';

const KIND_LABEL: Record<(typeof AGENCY_KINDS)[number], string> = {
  federal: 'Federal',
  state: 'State',
  local: 'Local',
};

/** The agencies directory (admins): who receives referrals and may ask for tracebacks, and whom to email. */
export function AgenciesPage() {
  const agencies = useAgencies(true);
  const [editing, setEditing] = useState<TAgency | 'new' | null>(null);
  return (
    <>
      <PageTitle title="Agencies" right={<Button onClick={() => setEditing('new')}>Add an agency</Button>}>
        Enforcement agencies: their users read what is referred to them and ask for tracebacks; their contacts
        are emailed each referral.
      </PageTitle>
      {agencies.isPending ? (
        <Loading />
      ) : agencies.isError ? (
        <ErrorAlert error={agencies.error} title="Could not load the agencies" />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table aria-label="Agencies" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Agency</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Jurisdiction</Table.Th>
                <Table.Th>Contacts</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {agencies.data.map((a) => (
                <Table.Tr key={a.id} data-agency-id={a.id}>
                  <Table.Td fw={600}>{a.name}</Table.Td>
                  <Table.Td>{a.kind ? KIND_LABEL[a.kind] : <Badge color="yellow">not set</Badge>}</Table.Td>
                  <Table.Td>{a.jurisdiction ?? '—'}</Table.Td>
                  <Table.Td>
                    {a.contacts.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        none
                      </Text>
                    ) : (
                      a.contacts.map((c) => (
                        <Text size="sm" key={c.email}>
                          {c.name} &lt;{c.email}&gt; {c.escalation && <Badge size="xs">escalation</Badge>}
                        </Text>
                      ))
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => setEditing(a)}
                      aria-label={`Change ${a.name}`}
                    >
                      Change
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing && <AgencyForm agency={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </>
  );
}

interface ContactDraft {
  name: string;
  email: string;
  escalation: boolean;
}

function AgencyForm({ agency, onClose }: { agency: TAgency | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(agency?.name ?? '');
  const [kind, setKind] = useState<string | null>(agency?.kind ?? null);
  const [jurisdiction, setJurisdiction] = useState(agency?.jurisdiction ?? '');
  const [contacts, setContacts] = useState<ContactDraft[]>(agency?.contacts ?? []);
  const [errors, setErrors] = useState<FieldErrors>({});
  const done = async (title: string, message: string) => {
    notifications.show({ color: 'teal', title, message });
    onClose();
    await queryClient.invalidateQueries({ queryKey: keys.agencies });
  };
  const save = useMutation({
    mutationFn: (body: unknown) =>
      agency ? patch<TAgency>(`/agencies/${agency.id}`, body) : post<TAgency>('/agencies', body),
    onSuccess: (a) => done(agency ? 'Agency saved' : 'Agency added', a.name),
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  const remove = useMutation({
    mutationFn: () => del<null>(`/agencies/${agency!.id}`),
    onSuccess: () => done('Agency removed', agency!.name),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      name,
      kind: kind ?? undefined,
      ...(jurisdiction.trim() ? { jurisdiction } : {}),
      contacts,
    };
    const parsed = ZAgencyCreate.safeParse(body);
    if (!parsed.success) {
      const found = fieldErrorsOf(parsed.error.issues);
      if (!kind) found.kind = 'Choose federal, state or local';
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(agency ? { ...parsed.data, jurisdiction: jurisdiction.trim() || null } : parsed.data);
  }
  const setContact = (i: number, change: Partial<ContactDraft>) =>
    setContacts((cs) => cs.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const formError =
    (save.error && !(save.error instanceof ApiError && Object.keys(save.error.fieldErrors).length)
      ? save.error.message
      : null) ?? remove.error?.message;
  return (
    <Modal opened onClose={onClose} title={agency ? `Change ${agency.name}` : 'Add an agency'} size="lg">
      <form onSubmit={submit} noValidate aria-label={agency ? 'Change the agency' : 'Add an agency'}>
        <Stack>
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          <TextInput
            id="name"
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Group grow>
            <Select
              id="kind"
              label="Kind"
              required
              data={AGENCY_KINDS.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
              value={kind}
              onChange={setKind}
              error={errors.kind}
            />
            <TextInput
              id="jurisdiction"
              label="Jurisdiction"
              placeholder="e.g. United States, Ohio"
              value={jurisdiction}
              onChange={(e) => setJurisdiction(e.currentTarget.value)}
              error={errors.jurisdiction}
            />
          </Group>
          <Text fw={600} size="sm">
            Contacts (emailed each referral; escalation contacts are told of urgent matters)
          </Text>
          {contacts.map((c, i) => (
            <Group key={i} align="flex-end" wrap="nowrap">
              <TextInput
                id={`contacts.${i}.name`}
                label="Name"
                value={c.name}
                onChange={(e) => setContact(i, { name: e.currentTarget.value })}
                error={errors[`contacts.${i}.name`]}
              />
              <TextInput
                id={`contacts.${i}.email`}
                label="Email"
                type="email"
                value={c.email}
                onChange={(e) => setContact(i, { email: e.currentTarget.value })}
                error={errors[`contacts.${i}.email`]}
              />
              <Checkbox
                label="Escalation"
                checked={c.escalation}
                onChange={(e) => setContact(i, { escalation: e.currentTarget.checked })}
                mb={8}
              />
              <Button
                variant="subtle"
                color="red"
                onClick={() => setContacts((cs) => cs.filter((_, j) => j !== i))}
                aria-label={`Remove contact ${i + 1}`}
              >
                Remove
              </Button>
            </Group>
          ))}
          <Group>
            <Button
              variant="light"
              onClick={() => setContacts((cs) => [...cs, { name: '', email: '', escalation: false }])}
            >
              Add a contact
            </Button>
          </Group>
          <Group justify="space-between">
            {agency ? (
              <Button variant="subtle" color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
                Remove the agency
              </Button>
            ) : (
              <span />
            )}
            <Group>
              <Button variant="subtle" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending}>
                Save
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
