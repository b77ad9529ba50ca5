import { WEBHOOK_EVENT_NAMES, ZWebhookCreate, type TWebhook } from '../lib/contracts';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, del, get, post } from '../api/client';
import { errorAt, fieldErrorsOf, type FieldErrors } from '../lib/forms';
import { DateTime, ErrorAlert } from './common';

interface Delivery {
  id: number;
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const webhooksKey = (providerId: string) => ['webhooks', providerId] as const;

/** Recent deliveries of one endpoint, loaded only when asked for. */
function Deliveries({ providerId, webhookId }: { providerId: string; webhookId: string }) {
  const list = useQuery({
    queryKey: ['webhook-deliveries', webhookId],
    queryFn: async ({ signal }) =>
      (
        await get<{ items: Delivery[] }>(
          `/providers/${providerId}/webhooks/${webhookId}/deliveries?limit=20`,
          signal,
        )
      ).items,
  });
  if (list.isPending) return <Text size="sm">Loading deliveries…</Text>;
  if (list.isError) return <ErrorAlert error={list.error} />;
  if (list.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Nothing delivered yet.
      </Text>
    );
  return (
    <Table aria-label="Recent deliveries" fz="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Attempt</Table.Th>
          <Table.Th>Result</Table.Th>
          <Table.Th>Time</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {list.data.map((d) => (
          <Table.Tr key={d.id}>
            <Table.Td>
              <DateTime iso={d.at} compact />
            </Table.Td>
            <Table.Td>{d.attempt}</Table.Td>
            <Table.Td>
              {d.statusCode !== null && d.statusCode < 300
                ? `OK (${d.statusCode})`
                : `Failed: ${d.error ?? d.statusCode}`}
            </Table.Td>
            <Table.Td>{d.durationMs} ms</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A provider's webhook endpoints: add one (its signing secret shown once), stop one, see what was delivered. */
export function Webhooks({ providerId }: { providerId: string }) {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: webhooksKey(providerId),
    queryFn: async ({ signal }) =>
      (await get<{ items: TWebhook[] }>(`/providers/${providerId}/webhooks`, signal)).items,
  });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([...WEBHOOK_EVENT_NAMES]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [open, setOpen] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: webhooksKey(providerId) });
  const create = useMutation({
    mutationFn: (body: unknown) =>
      post<TWebhook & { secret: string }>(`/providers/${providerId}/webhooks`, body),
    onSuccess: async () => {
      setUrl('');
      await refresh();
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => del<unknown>(`/providers/${providerId}/webhooks/${id}`),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Webhook stopped', message: 'Its delivery log stays.' });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not stopped', message: err.message }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { url: url.trim(), events };
    const parsed = ZWebhookCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      return;
    }
    setErrors({});
    create.mutate(body);
  }
  const formError =
    create.error && !(create.error instanceof ApiError && Object.keys(create.error.fieldErrors).length)
      ? create.error.message
      : null;
  const active = list.data?.filter((w) => w.active) ?? [];
  return (
    <Stack>
      {create.data && (
        <Alert color="teal" title="Webhook added: copy its signing secret now" role="status">
          <Text size="sm" mb="xs">
            It is shown only this once. Check <Code>Hoptrace-Signature</Code> on each delivery with it.
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Code block className="mono-wrap" style={{ flex: 1 }}>
              {create.data.secret}
            </Code>
            <CopyButton value={create.data.secret}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.data && active.length === 0 && (
        <Text size="sm" c="dimmed">
          No webhooks: requests reach you by email only.
        </Text>
      )}
      {active.map((w) => (
        <Stack key={w.id} gap={4} data-testid="webhook">
          <Group gap="xs" wrap="wrap">
            <Code className="mono-wrap">{w.url}</Code>
            {w.events.map((ev) => (
              <Badge key={ev} variant="light" color="gray" tt="none">
                {ev}
              </Badge>
            ))}
            <DateTime iso={w.createdAt} compact />
          </Group>
          <Group gap="xs">
            <Button
              size="compact-sm"
              variant="subtle"
              aria-expanded={open === w.id}
              onClick={() => setOpen(open === w.id ? null : w.id)}
            >
              {open === w.id ? 'Hide deliveries' : 'Recent deliveries'}
            </Button>
            <Button
              size="compact-sm"
              variant="light"
              color="red"
              aria-label={`Stop the webhook ${w.url}`}
              loading={remove.isPending && remove.variables === w.id}
              onClick={() => {
                if (window.confirm(`Stop delivering to ${w.url}?`)) remove.mutate(w.id);
              }}
            >
              Stop
            </Button>
          </Group>
          {open === w.id && <Deliveries providerId={providerId} webhookId={w.id} />}
        </Stack>
      ))}
      <form onSubmit={submit} noValidate aria-label="Add a webhook">
        <Stack gap="sm">
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          <TextInput
            id="webhook-url"
            label="Webhook URL"
            description="https:// only; each delivery is signed"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errors.url}
            maw={520}
          />
          <Checkbox.Group
            label="Events"
            value={events}
            onChange={setEvents}
            error={errorAt(errors, 'events')}
          >
            <Group gap="sm" mt={6}>
              {WEBHOOK_EVENT_NAMES.map((ev) => (
                <Checkbox key={ev} value={ev} label={ev} />
              ))}
            </Group>
          </Checkbox.Group>
          <div>
            <Button type="submit" variant="light" loading={create.isPending}>
              Add the webhook
            </Button>
          </div>
        </Stack>
      </form>
    </Stack>
  );
}
