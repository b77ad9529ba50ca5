import type { TUserListItem } from '../lib/contracts';
import { Badge, Button, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { post } from '../api/client';
import { useUser } from '../session';
import { ApiKeys } from './ApiKeys';
import { Sessions } from './Sessions';

/**
 * An admin's view of a user's access: their second factor (reset it when they lost the device: recorded as
 * an event), their sessions (end them all) and their API keys.
 */
export function UserAccess({ user }: { user: TUserListItem }) {
  const me = useUser();
  const queryClient = useQueryClient();
  const reset = useMutation({
    mutationFn: () => post<{ reset: boolean }>(`/users/${user.id}/totp/reset`),
    onSuccess: async () => {
      notifications.show({
        color: 'teal',
        title: 'Second factor reset',
        message: `${user.name} signs in with the password; they can set up a new app from their profile.`,
      });
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not reset', message: err.message }),
  });
  const on = user.twoFactor && !reset.isSuccess;
  return (
    <Stack gap="lg">
      <section aria-labelledby="user-2fa">
        <Title order={3} size="h5" id="user-2fa" mb="xs">
          Two-factor authentication
        </Title>
        <Stack gap="sm" align="flex-start">
          <Text size="sm">
            <Badge color={on ? 'teal' : 'gray'} variant="light" tt="none" mr={6}>
              {on ? 'On' : 'Off'}
            </Badge>
            {on
              ? 'Signing in asks for a code from their authenticator app.'
              : 'Signing in asks for the password only.'}
          </Text>
          {on && user.id !== me.id && (
            <Button
              variant="light"
              color="red"
              loading={reset.isPending}
              onClick={() => {
                if (
                  window.confirm(
                    `Reset the second factor of ${user.name}? Do this only when you are sure it is them asking (they lost the phone). Their app and recovery codes stop working.`,
                  )
                )
                  reset.mutate();
              }}
            >
              Reset second factor
            </Button>
          )}
        </Stack>
      </section>
      <section aria-labelledby="user-sessions">
        <Title order={3} size="h5" id="user-sessions" mb="xs">
          Sessions
        </Title>
        <Sessions user={{ id: user.id, name: user.name }} />
      </section>
      <section aria-labelledby="user-keys">
        <Title order={3} size="h5" id="user-keys" mb="xs">
          API keys
        </Title>
        <ApiKeys userId={user.id} />
      </section>
    </Stack>
  );
}
