import { ZProviderPatch, type TContact, type TProvider } from '../lib/contracts';
import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Checkbox,
  Grid,
  Group,
  Paper,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, isApiError, patch } from '../api/client';
import { keys, useProvider } from '../api/queries';
import { ErrorAlert, Loading, PageTitle } from '../components/common';
import { Webhooks } from '../components/Webhooks';
import { fieldErrorsOf, focusFirstError, listOf, type FieldErrors } from '../lib/forms';
import { useUser } from '../session';
import { NotFoundPage } from './ErrorPages';

const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
  }
})();

const DAYS = [
  { value: '1', label: 'Mon' },
  { value: '2', label: 'Tue' },
  { value: '3', label: 'Wed' },
  { value: '4', label: 'Thu' },
  { value: '5', label: 'Fri' },
  { value: '6', label: 'Sat' },
  { value: '7', label: 'Sun' },
];

interface ContactDraft {
  name: string;
  email: string;
  phone: string;
}
const draftOf = (c: TContact): ContactDraft => ({ name: c.name, email: c.email, phone: c.phone ?? '' });
const blank = (): ContactDraft => ({ name: '', email: '', phone: '' });
const cleanContacts = (list: ContactDraft[]) =>
  list
    .filter((c) => c.name.trim() || c.email.trim() || c.phone.trim())
    .map((c) => ({ name: c.name, email: c.email.trim(), phone: c.phone.trim() || undefined }));

/** `/my-provider/settings`: a provider user's own provider. */
export function MyProviderSettingsPage() {
  const user = useUser();
  if (!user.providerId) return <NotFoundPage />;
  return <ProviderSettings id={user.providerId} own />;
}

/** `/providers/:id/settings`: staff reach any provider's settings from its page. */
export function ProviderSettingsPage() {
  const { id = '' } = useParams();
  return <ProviderSettings id={id} own={false} />;
}

function ProviderSettings({ id, own }: { id: string; own: boolean }) {
  const provider = useProvider(id);
  if (provider.isPending) return <Loading label="Loading the provider" />;
  if (provider.isError)
    return isApiError(provider.error, 404) || isApiError(provider.error, 400) ? (
      <NotFoundPage />
    ) : (
      <ErrorAlert error={provider.error} />
    );
  const p = provider.data;
  if (!p.can.update) return <NotFoundPage />;
  return (
    <Stack gap="lg" maw={960}>
      <PageTitle title={`Settings of ${p.name}`}>Settings of {p.name}</PageTitle>
      <Text size="sm" c="dimmed">
        Name, OCNs, FRN and RMD number are kept by the consortium
        {own ? '; write to your consortium contact to change them' : ''}.{' '}
        <Anchor component={Link} to={own ? '/my-provider' : `/providers/${p.id}`} size="sm">
          Back to the provider
        </Anchor>
      </Text>
      <SettingsForm provider={p} />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb={4}>
          Webhooks
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          Requests, reminders and closings sent to your systems as signed HTTPS calls, besides the email.
        </Text>
        <Webhooks providerId={p.id} />
      </Paper>
      {own && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb={4}>
            API keys
          </Title>
          <Text size="sm">
            Keys for your integration (the provider agent, bulk answers) are on{' '}
            <Anchor component={Link} to="/profile">
              your profile
            </Anchor>
            .
          </Text>
        </Paper>
      )}
    </Stack>
  );
}

function ContactList(props: {
  id: string;
  legend: string;
  description: string;
  list: ContactDraft[];
  onChange: (l: ContactDraft[]) => void;
  errors: FieldErrors;
}) {
  const { list, onChange, errors, id } = props;
  const set = (i: number, f: keyof ContactDraft, v: string) =>
    onChange(list.map((c, j) => (j === i ? { ...c, [f]: v } : c)));
  return (
    <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
      <Text component="legend" fw={600} size="sm">
        {props.legend}
      </Text>
      <Text size="xs" c="dimmed" mb="xs">
        {props.description}
      </Text>
      {errors[id] && (
        <Text size="sm" c="red.8" role="alert">
          {errors[id]}
        </Text>
      )}
      <Stack gap="xs">
        {list.map((c, i) => (
          <Grid key={i} align="flex-end">
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                id={`${id}.${i}.name`}
                label={`Name (${i + 1})`}
                value={c.name}
                onChange={(e) => set(i, 'name', e.currentTarget.value)}
                error={errors[`${id}.${i}.name`]}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                id={`${id}.${i}.email`}
                label={`Email (${i + 1})`}
                type="email"
                value={c.email}
                onChange={(e) => set(i, 'email', e.currentTarget.value)}
                error={errors[`${id}.${i}.email`]}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 10, sm: 3 }}>
              <TextInput
                id={`${id}.${i}.phone`}
                label={`Phone (${i + 1})`}
                type="tel"
                value={c.phone}
                onChange={(e) => set(i, 'phone', e.currentTarget.value)}
                error={errors[`${id}.${i}.phone`]}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 2, sm: 1 }}>
              <ActionIcon
                variant="subtle"
                color="red"
                size="lg"
                aria-label={`Remove ${props.legend.toLowerCase()} ${i + 1}`}
                onClick={() => onChange(list.filter((_, j) => j !== i))}
              >
                ×
              </ActionIcon>
            </Grid.Col>
          </Grid>
        ))}
      </Stack>
      <Button variant="subtle" size="compact-sm" mt="xs" onClick={() => onChange([...list, blank()])}>
        Add a contact
      </Button>
    </fieldset>
  );
}

/** Contacts, escalation, business hours, time zone and the one-hop link policy: what a provider keeps itself. */
function SettingsForm({ provider: p }: { provider: TProvider }) {
  const queryClient = useQueryClient();
  const [contacts, setContacts] = useState<ContactDraft[]>(
    p.contacts?.length ? p.contacts.map(draftOf) : [blank()],
  );
  const [escalation, setEscalation] = useState<ContactDraft[]>(p.escalationContacts?.map(draftOf) ?? []);
  const [timezone, setTimezone] = useState<string | null>(p.timezone);
  const [days, setDays] = useState<string[]>(p.businessHours.days.map(String));
  const [open, setOpen] = useState(p.businessHours.open);
  const [close, setClose] = useState(p.businessHours.close);
  const [holidays, setHolidays] = useState<string>(p.businessHours.holidays);
  const [closedDates, setClosedDates] = useState((p.businessHours.extraClosedDates ?? []).join(', '));
  const [allowLinks, setAllowLinks] = useState(p.allowLinkAnswers);
  const [errors, setErrors] = useState<FieldErrors>({});

  const save = useMutation({
    mutationFn: (body: unknown) => patch<TProvider>(`/providers/${p.id}`, body),
    onSuccess: async (saved) => {
      queryClient.setQueryData(keys.provider(saved.id), saved);
      notifications.show({ color: 'teal', title: 'Settings saved', message: saved.name });
      await queryClient.invalidateQueries({ queryKey: ['providers'] });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      focusFirstError();
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const extra = listOf(closedDates);
    const body = {
      contacts: cleanContacts(contacts),
      escalationContacts: cleanContacts(escalation),
      timezone: timezone ?? '',
      businessHours: {
        days: days.map(Number).sort(),
        open: open.trim(),
        close: close.trim(),
        holidays,
        ...(extra.length ? { extraClosedDates: extra } : {}),
      },
      allowLinkAnswers: allowLinks,
    };
    const parsed = ZProviderPatch.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(body);
  }

  const formError =
    save.error && !(save.error instanceof ApiError && Object.keys(save.error.fieldErrors).length)
      ? save.error.message
      : null;
  const closedError = Object.entries(errors).find(([k]) =>
    k.startsWith('businessHours.extraClosedDates'),
  )?.[1];

  return (
    <Paper withBorder p="md">
      <form onSubmit={submit} noValidate aria-label="Provider settings">
        <Stack gap="lg">
          {formError && (
            <Alert color="red" role="alert" title="Not saved">
              {formError}
            </Alert>
          )}
          <ContactList
            id="contacts"
            legend="Traceback contacts"
            description="Each request and reminder is emailed to these people, with a one-hop link."
            list={contacts}
            onChange={setContacts}
            errors={errors}
          />
          <ContactList
            id="escalationContacts"
            legend="Escalation contacts"
            description="Told when a request reaches its deadline unanswered."
            list={escalation}
            onChange={setEscalation}
            errors={errors}
          />
          <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
            <Text component="legend" fw={600} size="sm" mb="xs">
              Business hours
            </Text>
            <Text size="xs" c="dimmed" mb="xs">
              A request that arrives outside them counts as received when you next open; the 24 hours run from
              there.
            </Text>
            <Grid>
              <Grid.Col span={12}>
                <Checkbox.Group
                  id="businessHours.days"
                  label="Open on"
                  value={days}
                  onChange={setDays}
                  error={errors['businessHours.days']}
                >
                  <Group gap="sm" mt={6}>
                    {DAYS.map((d) => (
                      <Checkbox key={d.value} value={d.value} label={d.label} />
                    ))}
                  </Group>
                </Checkbox.Group>
              </Grid.Col>
              <Grid.Col span={{ base: 6, sm: 3 }}>
                <TextInput
                  id="businessHours.open"
                  label="Opens at"
                  description="HH:MM"
                  value={open}
                  onChange={(e) => setOpen(e.currentTarget.value)}
                  error={errors['businessHours.open']}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 6, sm: 3 }}>
                <TextInput
                  id="businessHours.close"
                  label="Closes at"
                  description="HH:MM (24:00 for midnight)"
                  value={close}
                  onChange={(e) => setClose(e.currentTarget.value)}
                  error={errors['businessHours.close']}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <Select
                  id="businessHours.holidays"
                  label="Holidays"
                  data={[
                    { value: 'us-federal', label: 'Closed on US federal holidays' },
                    { value: 'none', label: 'Open on holidays' },
                  ]}
                  value={holidays}
                  onChange={(v) => v && setHolidays(v)}
                  allowDeselect={false}
                  error={errors['businessHours.holidays']}
                />
              </Grid.Col>
              <Grid.Col span={12}>
                <TextInput
                  id="businessHours.extraClosedDates"
                  label="Other closed dates"
                  description="YYYY-MM-DD, separated by commas"
                  value={closedDates}
                  onChange={(e) => setClosedDates(e.currentTarget.value)}
                  error={closedError}
                />
              </Grid.Col>
            </Grid>
          </fieldset>
          <Select
            id="timezone"
            label="Time zone"
            description="Business hours are read in this zone"
            searchable
            data={ZONES}
            value={timezone}
            onChange={setTimezone}
            error={errors.timezone}
            maw={360}
          />
          <Switch
            id="allowLinkAnswers"
            label="Answer from the email link without signing in"
            description="Off: your people must sign in to answer; the link in the email then leads to the sign-in page."
            checked={allowLinks}
            onChange={(e) => setAllowLinks(e.currentTarget.checked)}
            error={errors.allowLinkAnswers}
          />
          <div>
            <Button type="submit" loading={save.isPending}>
              Save the settings
            </Button>
          </div>
        </Stack>
      </form>
    </Paper>
  );
}
