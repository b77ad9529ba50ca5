import { ZProviderCreate, ZProviderPatch, type TContact, type TProvider } from '../lib/contracts';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Grid,
  Group,
  Modal,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, patch, post } from '../api/client';
import { keys } from '../api/queries';
import { errorAt, fieldErrorsOf, focusFirstError, listOf, type FieldErrors } from '../lib/forms';

const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
  }
})();

interface ContactDraft {
  name: string;
  email: string;
  phone: string;
}

const draftOf = (c: TContact): ContactDraft => ({ name: c.name, email: c.email, phone: c.phone ?? '' });

/**
 * Adds a provider (staff) or changes one. `scope: 'self'` is a provider's own
 * users keeping their contacts and time zone current; the rest is the consortium's.
 */
export function ProviderForm(props: {
  provider?: TProvider;
  scope: 'all' | 'self';
  onClose: () => void;
  onSaved?: (p: TProvider) => void;
}) {
  const { provider, scope } = props;
  const queryClient = useQueryClient();
  const [name, setName] = useState(provider?.name ?? '');
  const [dba, setDba] = useState(provider?.dbaNames.join(', ') ?? '');
  const [country, setCountry] = useState(provider?.country ?? 'US');
  const [ocns, setOcns] = useState(provider?.ocns.join(', ') ?? '');
  const [frn, setFrn] = useState(provider?.frn ?? '');
  const [rmd, setRmd] = useState(provider?.rmdNumber ?? '');
  const [timezone, setTimezone] = useState<string | null>(provider?.timezone ?? 'America/New_York');
  const [verified, setVerified] = useState(provider?.verified ?? true);
  const [contacts, setContacts] = useState<ContactDraft[]>(
    provider?.contacts?.length ? provider.contacts.map(draftOf) : [{ name: '', email: '', phone: '' }],
  );
  const [errors, setErrors] = useState<FieldErrors>({});

  const save = useMutation({
    mutationFn: (body: unknown) =>
      provider ? patch<TProvider>(`/providers/${provider.id}`, body) : post<TProvider>('/providers', body),
    onSuccess: async (p) => {
      queryClient.setQueryData(keys.provider(p.id), p);
      notifications.show({ color: 'teal', title: provider ? 'Saved' : 'Provider added', message: p.name });
      props.onSaved?.(p);
      props.onClose();
      await queryClient.invalidateQueries({ queryKey: ['directory'] });
      await queryClient.invalidateQueries({ queryKey: ['providers'] });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const cleanContacts = contacts
      .filter((c) => c.name.trim() || c.email.trim() || c.phone.trim())
      .map((c) => ({ name: c.name, email: c.email.trim(), phone: c.phone.trim() || undefined }));
    const own = { contacts: cleanContacts, timezone: timezone ?? undefined };
    const all = {
      ...own,
      name,
      dbaNames: listOf(dba),
      country,
      ocns: listOf(ocns),
      verified,
      ...(provider
        ? { frn: frn.trim() || null, rmdNumber: rmd.trim() || null }
        : { frn: frn.trim() || undefined, rmdNumber: rmd.trim() || undefined }),
    };
    const body = scope === 'self' ? own : all;
    const parsed = (provider ? ZProviderPatch : ZProviderCreate).safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(body);
  }

  const contactError = (i: number, f: keyof ContactDraft) => errors[`contacts.${i}.${f}`];
  const formError =
    save.error && !(save.error instanceof ApiError && Object.keys(save.error.fieldErrors).length)
      ? save.error.message
      : null;

  return (
    <Modal
      opened
      onClose={props.onClose}
      title={
        provider
          ? scope === 'self'
            ? 'Contacts and time zone'
            : `Change ${provider.name}`
          : 'Add a provider'
      }
      size="xl"
    >
      <form onSubmit={submit} noValidate aria-label={provider ? 'Change the provider' : 'Add a provider'}>
        <Stack>
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          {scope === 'all' && (
            <Grid>
              <Grid.Col span={{ base: 12, sm: 8 }}>
                <TextInput
                  label="Name"
                  required
                  value={name}
                  onChange={(e) => setName(e.currentTarget.value)}
                  error={errors.name}
                  data-autofocus
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <TextInput
                  label="Country"
                  description="Two letters"
                  maxLength={2}
                  value={country}
                  onChange={(e) => setCountry(e.currentTarget.value)}
                  error={errors.country}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label="Other names (DBA)"
                  description="Separated by commas"
                  value={dba}
                  onChange={(e) => setDba(e.currentTarget.value)}
                  error={errorAt(errors, 'dbaNames')}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label="OCNs"
                  description="Operating Company Numbers, separated by commas, e.g. 1234, 567F"
                  value={ocns}
                  onChange={(e) => setOcns(e.currentTarget.value)}
                  error={errorAt(errors, 'ocns')}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label="FRN"
                  description="FCC Registration Number"
                  value={frn}
                  onChange={(e) => setFrn(e.currentTarget.value)}
                  error={errors.frn}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label="RMD filing number"
                  description="Robocall Mitigation Database, e.g. RMD0001234"
                  value={rmd}
                  onChange={(e) => setRmd(e.currentTarget.value)}
                  error={errors.rmdNumber}
                />
              </Grid.Col>
            </Grid>
          )}
          <Select
            label="Time zone"
            description="Deadlines and business hours follow it"
            data={ZONES}
            searchable
            value={timezone}
            onChange={setTimezone}
            error={errors.timezone}
            maw={360}
          />
          <div>
            <Text fw={600} size="sm" mb={4}>
              Traceback contacts
            </Text>
            <Stack gap="xs">
              {contacts.map((c, i) => (
                <Group
                  key={i}
                  align="flex-start"
                  gap="xs"
                  wrap="wrap"
                  aria-label={`Contact ${i + 1}`}
                  role="group"
                >
                  <TextInput
                    label="Name"
                    value={c.name}
                    onChange={(e) =>
                      setContacts(
                        contacts.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)),
                      )
                    }
                    error={contactError(i, 'name')}
                    w={{ base: '100%', sm: 180 }}
                  />
                  <TextInput
                    label="Email"
                    type="email"
                    value={c.email}
                    onChange={(e) =>
                      setContacts(
                        contacts.map((x, j) => (j === i ? { ...x, email: e.currentTarget.value } : x)),
                      )
                    }
                    error={contactError(i, 'email')}
                    w={{ base: '100%', sm: 240 }}
                  />
                  <TextInput
                    label="Phone"
                    type="tel"
                    value={c.phone}
                    onChange={(e) =>
                      setContacts(
                        contacts.map((x, j) => (j === i ? { ...x, phone: e.currentTarget.value } : x)),
                      )
                    }
                    error={contactError(i, 'phone')}
                    w={{ base: '100%', sm: 160 }}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    mt={26}
                    aria-label={`Remove contact ${i + 1}`}
                    onClick={() => setContacts(contacts.filter((_, j) => j !== i))}
                  >
                    ×
                  </ActionIcon>
                </Group>
              ))}
              <Button
                variant="subtle"
                size="compact-sm"
                w="fit-content"
                onClick={() => setContacts([...contacts, { name: '', email: '', phone: '' }])}
              >
                Add a contact
              </Button>
            </Stack>
          </div>
          {scope === 'all' && (
            <Checkbox
              label="Verified: the consortium vouches for this entry"
              checked={verified}
              onChange={(e) => setVerified(e.currentTarget.checked)}
            />
          )}
          <Group justify="flex-end">
            <Button variant="subtle" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {provider ? 'Save' : 'Add the provider'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
