import type { TSession } from '../lib/contracts';
import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { del, post } from '../api/client';
import { useSessions } from '../api/queries';
import { DateTime, ErrorAlert, Loading } from './common';

/**
 * Live sessions: yours (end any but this one; signing out ends this one), or, for an admin, a user's with
 * one button to end them all. API keys are not sessions and stay.
 */
export function Sessions({ user }: { user?: { id: string; name: string } }) {
  const queryClient = useQueryClient();
  const sessions = useSessions(user?.id);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['sessions'] });
  const end = useMutation({
    mutationFn: (id: string) => del<void>(`/auth/sessions/${id}`),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Session ended', message: 'That device is signed out.' });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not ended', message: err.message }),
  });
  const endAll = useMutation({
    mutationFn: () => post<{ ended: number }>(`/users/${user!.id}/sessions/revoke`),
    onSuccess: async ({ ended }) => {
      notifications.show({
        color: 'teal',
        title: ended === 1 ? '1 session ended' : `${ended} sessions ended`,
        message: `${user!.name} is signed out everywhere${ended ? '' : ' already'}.`,
      });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not ended', message: err.message }),
  });

  if (sessions.isPending) return <Loading />;
  if (sessions.isError) return <ErrorAlert error={sessions.error} />;
  const items = sessions.data;
  return (
    <Stack gap="sm">
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No one is signed in{user ? ` as ${user.name}` : ''} right now.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label={user ? `Sessions of ${user.name}` : 'Your sessions'}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Device</Table.Th>
                <Table.Th>Address</Table.Th>
                <Table.Th>Signed in</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((s: TSession) => (
                <Table.Tr key={s.id}>
                  <Table.Td title={s.userAgent ?? undefined}>
                    {s.device}{' '}
                    {s.current && (
                      <Badge color="blue" variant="light" tt="none">
                        This device
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{s.ip ?? '—'}</Table.Td>
                  <Table.Td>
                    <DateTime iso={s.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    <DateTime iso={s.lastUsedAt} />
                  </Table.Td>
                  <Table.Td>
                    {!user && !s.current && (
                      <Button
                        size="compact-sm"
                        variant="light"
                        color="red"
                        aria-label={`End the session on ${s.device}`}
                        loading={end.isPending && end.variables === s.id}
                        onClick={() => end.mutate(s.id)}
                      >
                        End
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {!user && (
        <Text size="xs" c="dimmed">
          A session ends after a while without use, and at the latest a set number of hours after signing in.
          To end the one on this device, sign out.
        </Text>
      )}
      {user && (
        <Group>
          <Button
            variant="light"
            color="red"
            loading={endAll.isPending}
            onClick={() => {
              if (window.confirm(`Sign ${user.name} out on every device? Their API keys keep working.`))
                endAll.mutate();
            }}
          >
            End all sessions
          </Button>
        </Group>
      )}
    </Stack>
  );
}
