import { Anchor, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useProvider } from '../api/queries';
import { ApiKeys } from '../components/ApiKeys';
import { ChangePassword } from '../components/ChangePassword';
import { Sessions } from '../components/Sessions';
import { TwoFactor } from '../components/TwoFactor';
import { DateTime, Field, PageTitle } from '../components/common';
import { ROLE_LABEL } from '../lib/labels';
import { viewerTimeZone } from '../lib/time';
import { useUser } from '../session';

export function ProfilePage() {
  const user = useUser();
  const provider = useProvider(user.providerId);
  return (
    <>
      <PageTitle title="Your profile">Your profile</PageTitle>
      <Paper withBorder p="md" mb="lg">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} component="dl" m={0}>
          <Field label="Name">{user.name}</Field>
          <Field label="Email">{user.email}</Field>
          <Field label="Role">{ROLE_LABEL[user.role]}</Field>
          {user.providerId && (
            <Field label="Speaks for">
              <Anchor component={Link} to="/my-provider" size="sm">
                {provider.data?.name ?? 'your provider'}
              </Anchor>{' '}
              (
              <Anchor component={Link} to="/my-provider/settings" size="sm">
                settings
              </Anchor>
              )
            </Field>
          )}
          <Field label="Member since">
            <DateTime iso={user.createdAt} dateOnly />
          </Field>
          <Field label="Times shown in">{viewerTimeZone()} (your device); UTC on hover</Field>
        </SimpleGrid>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb={4}>
          API keys
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          For tools that talk to hoptrace for you: the <Anchor href="/api/docs">API reference</Anchor> shows
          what they can do.
        </Text>
        <ApiKeys userId={user.id} />
      </Paper>
      <Paper withBorder p="md" mt="lg">
        <Title order={2} size="h4" mb="md">
          Password
        </Title>
        <ChangePassword />
      </Paper>
      <Paper withBorder p="md" mt="lg">
        <Title order={2} size="h4" mb="md">
          Two-factor authentication
        </Title>
        <TwoFactor />
      </Paper>
      <Paper withBorder p="md" mt="lg">
        <Title order={2} size="h4" mb="md">
          Where you are signed in
        </Title>
        <Sessions />
      </Paper>
    </>
  );
}
