import { API_KEY_SCOPES, ZApiKeyCreate, type TApiKey } from '../lib/contracts';
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
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, del, post } from '../api/client';
import { keys, useApiKeys } from '../api/queries';
import { errorAt, fieldErrorsOf, type FieldErrors } from '../lib/forms';
import { DateTime, ErrorAlert } from './common';

const SCOPE_LABEL: Record<string, string> = { api: 'Traceback API', dno: 'Do Not Originate list' };

/** A user's API keys: listed by prefix; a new key is shown once, then only its hash is kept. */
export function ApiKeys({ userId }: { userId: string }) {
  const queryClient = useQueryClient();
  const list = useApiKeys(userId);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['api']);
  const [errors, setErrors] = useState<FieldErrors>({});
  const revoke = useMutation({
    mutationFn: (keyId: string) => del<TApiKey>(`/users/${userId}/api-keys/${keyId}`),
    onSuccess: async (k) => {
      notifications.show({ color: 'teal', title: 'Key revoked', message: `${k.name} no longer works` });
      await queryClient.invalidateQueries({ queryKey: keys.apiKeys(userId) });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not revoked', message: err.message }),
  });
  const create = useMutation({
    mutationFn: (body: unknown) => post<{ key: string; name: string }>(`/users/${userId}/api-keys`, body),
    onSuccess: async () => {
      setName('');
      await queryClient.invalidateQueries({ queryKey: keys.apiKeys(userId) });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { name, scopes };
    const parsed = ZApiKeyCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      return;
    }
    setErrors({});
    create.mutate(body);
  }

  return (
    <Stack>
      {create.data && (
        <Alert color="teal" title={`New key “${create.data.name}”: copy it now`} role="status">
          <Text size="sm" mb="xs">
            It is shown only this once. Send it as <Code>Authorization: Bearer …</Code>.
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Code block className="mono-wrap" style={{ flex: 1 }} data-testid="new-api-key">
              {create.data.key}
            </Code>
            <CopyButton value={create.data.key}>
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
      {list.data && list.data.length === 0 && (
        <Text size="sm" c="dimmed">
          No API keys yet.
        </Text>
      )}
      {list.data && list.data.length > 0 && (
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label="API keys">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Starts with</Table.Th>
                <Table.Th>For</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((k) => (
                <Table.Tr key={k.id}>
                  <Table.Td>
                    {k.name}{' '}
                    {k.revokedAt && (
                      <Badge color="gray" variant="light" tt="none">
                        Revoked
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Code>{k.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>{k.scopes.map((s) => SCOPE_LABEL[s] ?? s).join(', ')}</Table.Td>
                  <Table.Td>
                    <DateTime iso={k.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    {!k.revokedAt && (
                      <Button
                        size="compact-sm"
                        variant="light"
                        color="red"
                        aria-label={`Revoke the key ${k.name}`}
                        loading={revoke.isPending && revoke.variables === k.id}
                        onClick={() => {
                          if (
                            window.confirm(`Revoke the key “${k.name}”? Tools using it stop working at once.`)
                          )
                            revoke.mutate(k.id);
                        }}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <form onSubmit={submit} noValidate aria-label="Create an API key">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput
            label="New key name"
            description="Where it will be used, e.g. “traceback agent”"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            w={{ base: '100%', sm: 280 }}
          />
          <Checkbox.Group
            label="Scopes"
            value={scopes}
            onChange={setScopes}
            error={errorAt(errors, 'scopes')}
          >
            <Group gap="sm" mt={6}>
              {API_KEY_SCOPES.map((s) => (
                <Checkbox key={s} value={s} label={SCOPE_LABEL[s] ?? s} />
              ))}
            </Group>
          </Checkbox.Group>
          <Button type="submit" loading={create.isPending}>
            Create a key
          </Button>
        </Group>
      </form>
    </Stack>
  );
}
