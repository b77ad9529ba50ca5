import { Anchor, Button, Container, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { IconLock, IconSearch, IconClock, IconAlert } from '../components/icons';
import { useInsideMain } from '../landmark';

function ErrorLayout(props: { icon: ReactNode; title: string; code: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${props.title} · hoptrace`;
  }, [props.title]);
  // Standing alone (/expired, a crash at the root), the page is its own main landmark.
  const insideMain = useInsideMain();
  return (
    <Container size="sm" py={64} {...(insideMain ? {} : { component: 'main' as const, id: 'main' })}>
      <Stack align="center" ta="center" gap="md" data-error-page={props.code}>
        <Text c="blue.9" aria-hidden="true">
          {props.icon}
        </Text>
        <Text c="dimmed" fw={700} size="sm">
          {props.code}
        </Text>
        <Title order={1} size="h2">
          {props.title}
        </Title>
        {props.children}
      </Stack>
    </Container>
  );
}

const Home = () => (
  <Group justify="center">
    <Button component={Link} to="/">
      Go to your start page
    </Button>
  </Group>
);

/** Missing and not-yours look the same, as the API answers them. */
export function NotFoundPage() {
  return (
    <ErrorLayout icon={<IconSearch size={48} />} title="Nothing here" code="404">
      <Text>
        This page does not exist, or it is not shared with you. If you followed a link from an email, check
        that you are signed in with the account the email was sent to.
      </Text>
      <Home />
    </ErrorLayout>
  );
}

export function ForbiddenPage() {
  return (
    <ErrorLayout icon={<IconLock size={48} />} title="Not part of your role" code="403">
      <Text>
        This screen is for another role. If you need it, ask your consortium administrator to change your
        account.
      </Text>
      <Home />
    </ErrorLayout>
  );
}

export function ExpiredPage() {
  return (
    <ErrorLayout icon={<IconClock size={48} />} title="This link has expired" code="410">
      <Text>
        Links in traceback emails work for a limited time. Sign in to see the request in your inbox; it is
        still there if it has not been answered.
      </Text>
      <Group justify="center">
        <Button component={Link} to="/login">
          Sign in
        </Button>
      </Group>
    </ErrorLayout>
  );
}

/** A render error or a failed lazy chunk (for instance after a deploy replaced the files). */
export function CrashPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  const message = error instanceof Error ? error.message : 'Unknown error';
  return (
    <ErrorLayout icon={<IconAlert size={48} />} title="Something went wrong" code="Error">
      <Text>
        The page could not be shown. Reloading usually helps; if it does not, tell your administrator.
      </Text>
      <Text size="sm" c="dimmed" className="mono-wrap">
        {message}
      </Text>
      <Group justify="center">
        <Button onClick={() => window.location.reload()}>Reload</Button>
        <Anchor component={Link} to="/">
          Start page
        </Anchor>
      </Group>
    </ErrorLayout>
  );
}
