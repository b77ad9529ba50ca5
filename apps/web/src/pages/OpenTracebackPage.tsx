import { ZTracebackOpen, type TTraceback } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Button,
  Grid,
  Group,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, idempotencyKey, post } from '../api/client';
import { useCampaigns } from '../api/queries';
import { BulkOpenUpload } from '../components/BulkOpenUpload';
import { PageTitle } from '../components/common';
import { PhoneField } from '../components/PhoneField';
import { ProviderPicker } from '../components/ProviderPicker';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { decodeIdentityHeader } from '../lib/identity';
import { CALL_TIME_ZONE, formatInstant, formatLocal, parseCallTime } from '../lib/time';

export function OpenTracebackPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const campaigns = useCampaigns();
  const [startedAt, setStartedAt] = useState('');
  const [callingNumber, setCallingNumber] = useState('');
  const [calledNumber, setCalledNumber] = useState('');
  const [firstProviderId, setFirstProviderId] = useState<string | null>(null);
  const [campaignId, setCampaignId] = useState<string | null>(null);
  const [identityHeader, setIdentityHeader] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const attempt = useRef(idempotencyKey());

  const time = parseCallTime(startedAt);
  const passport = identityHeader.trim() ? decodeIdentityHeader(identityHeader) : null;

  const open = useMutation({
    mutationFn: (body: unknown) => post<TTraceback>('/tracebacks', body, { idempotencyKey: attempt.current }),
    onSuccess: async (tb) => {
      attempt.current = idempotencyKey();
      await queryClient.invalidateQueries({ queryKey: ['tracebacks'] });
      await queryClient.invalidateQueries({ queryKey: ['dashboard'] });
      queryClient.setQueryData(['traceback', tb.id], tb);
      notifications.show({
        color: 'teal',
        title: 'Traceback opened',
        message: `Asked ${tb.hops[0]?.providerName ?? 'the first provider'}`,
      });
      await navigate(`/tracebacks/${tb.id}`);
    },
    onError: (err) => {
      attempt.current = idempotencyKey();
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      call: {
        startedAt: time.ok ? time.iso : startedAt,
        callingNumber,
        calledNumber,
      },
      firstProviderId: firstProviderId ?? undefined,
      campaignId: campaignId ?? undefined,
      identityHeader: identityHeader.trim() || undefined,
      note: note.trim() || undefined,
    };
    const parsed = ZTracebackOpen.safeParse(body);
    const found = parsed.success ? {} : fieldErrorsOf(parsed.error.issues);
    if (!time.ok) found['call.startedAt'] = time.reason;
    if (!callingNumber.trim()) found['call.callingNumber'] = 'Enter the caller ID the call showed';
    if (!calledNumber.trim()) found['call.calledNumber'] = 'Enter the number that was called';
    if (!firstProviderId) found.firstProviderId = 'Choose the provider to ask first';
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstError();
      return;
    }
    open.mutate(body);
  }

  const formError =
    open.error && !(open.error instanceof ApiError && Object.keys(open.error.fieldErrors).length > 0)
      ? open.error.message
      : null;

  return (
    <>
      <PageTitle title="Open a traceback">Open a traceback</PageTitle>
      <Text c="dimmed" mb="lg" maw={720}>
        One traceback follows one call back to where it started. Paste the call as your records show it;
        numbers may be written in any common format. The first request goes to the provider you choose,
        normally the one that delivered the call.
      </Text>
      <form onSubmit={submit} noValidate aria-label="Open a traceback">
        <Stack maw={880} gap="lg">
          {formError && (
            <Alert color="red" role="alert" title="The traceback was not opened">
              {formError}
            </Alert>
          )}
          <Paper withBorder p="md">
            <Text fw={650} mb="sm" component="h2" size="lg">
              The call
            </Text>
            <Grid>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <TextInput
                  id="call.startedAt"
                  label="Call time (UTC)"
                  placeholder="2026-11-20 15:04"
                  required
                  value={startedAt}
                  onChange={(e) => setStartedAt(e.currentTarget.value)}
                  error={errors['call.startedAt']}
                  description={
                    time.ok
                      ? `Saved as ${formatInstant(time.iso, { timeZone: CALL_TIME_ZONE })}: ${formatInstant(time.iso)} your time`
                      : 'As in the call record'
                  }
                  inputWrapperOrder={['label', 'input', 'description', 'error']}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <PhoneField
                  id="call.callingNumber"
                  label="Calling number (caller ID)"
                  placeholder="(202) 555-0143"
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
                  placeholder="+1 312 555 0188"
                  required
                  value={calledNumber}
                  onChange={setCalledNumber}
                  error={errors['call.calledNumber']}
                />
              </Grid.Col>
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Text fw={650} mb="sm" component="h2" size="lg">
              Who to ask, and why
            </Text>
            <Grid>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <ProviderPicker
                  id="firstProviderId"
                  label="First provider to ask"
                  description="Normally the terminating provider"
                  required
                  value={firstProviderId}
                  onChange={setFirstProviderId}
                  error={errors.firstProviderId}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <Select
                  id="campaignId"
                  label="Campaign"
                  description={
                    <>
                      Optional.{' '}
                      <Anchor component={Link} to="/campaigns" size="xs">
                        Add a campaign
                      </Anchor>
                    </>
                  }
                  placeholder={campaigns.isPending ? 'Loading campaigns…' : 'None'}
                  data={(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
                  value={campaignId}
                  onChange={setCampaignId}
                  clearable
                  searchable
                  error={errors.campaignId}
                  nothingFoundMessage="No campaign matches"
                />
              </Grid.Col>
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Text fw={650} mb="sm" component="h2" size="lg">
              Evidence
            </Text>
            <Stack>
              <Textarea
                id="identityHeader"
                label="STIR/SHAKEN Identity header"
                description="Optional: the SIP Identity header the terminating provider received, as text"
                placeholder="eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIs…;info=<https://cert.example/sti.pem>;alg=ES256;ppt=shaken"
                autosize
                minRows={2}
                maxRows={8}
                value={identityHeader}
                onChange={(e) => setIdentityHeader(e.currentTarget.value)}
                error={errors.identityHeader}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
              />
              {passport && (
                <Alert
                  color={passport.ok ? 'blue' : 'orange'}
                  title={passport.ok ? 'What the header says' : 'Could not read the header'}
                >
                  {passport.ok ? (
                    <Text size="sm">
                      Attestation <b>{passport.attest ?? '?'}</b>, signed for {passport.origTn ?? '?'} →{' '}
                      {passport.destTn ?? '?'}
                      {passport.iat ? `, at ${formatLocal(passport.iat)}` : ''}
                      {passport.x5u ? ` by the certificate at ${passport.x5u}` : ''}. The signature is checked
                      on the server.
                    </Text>
                  ) : (
                    <Text size="sm">{passport.reason} It is still saved with the traceback as evidence.</Text>
                  )}
                </Alert>
              )}
              <Textarea
                id="note"
                label="Note"
                description="Optional: anything the next analyst should know"
                autosize
                minRows={2}
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
                error={errors.note}
              />
            </Stack>
          </Paper>
          <Group>
            <Button type="submit" loading={open.isPending} size="md">
              Open the traceback
            </Button>
            <Button component={Link} to="/tracebacks" variant="subtle">
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
      <BulkOpenUpload />
    </>
  );
}
