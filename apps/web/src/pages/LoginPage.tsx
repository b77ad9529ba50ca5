import type { TUser } from '@hoptrace/contracts';
import {
  Alert,
  Anchor,
  Button,
  Center,
  Container,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { isApiError, request } from '../api/client';
import { keys, useMe } from '../api/queries';
import { IconRoute } from '../components/icons';
import { fieldErrorsOf, type FieldErrors } from '../lib/forms';
import { homeOf, safeNext, session } from '../session';

const loadContracts = () => import('../lib/contracts');

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  const expired = params.get('expired') === '1';

  useEffect(() => {
    document.title = 'Sign in · hoptrace';
    // The contracts (zod, phone metadata) are most of the portal's weight: fetch them while the user types.
    void loadContracts();
  }, []);

  if (me.data && !busy) return <Navigate to={next ?? homeOf(me.data)} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const { ZLogin } = await loadContracts();
    const parsed = ZLogin.safeParse({ email, password });
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const { user } = await request<{ user: TUser }>('POST', '/auth/login', {
        body: parsed.data,
        quiet401: true,
      });
      session.expired = false;
      queryClient.setQueryData(keys.me, user);
      await navigate(next ?? homeOf(user), { replace: true });
    } catch (err) {
      if (isApiError(err, 401)) setFormError('The email or the password is wrong.');
      // The server says how long to wait (the address's limit, or the account's backoff after failures).
      else if (isApiError(err, 429)) setFormError(`Too many attempts: ${err.message}.`);
      else setFormError(err instanceof Error ? err.message : 'Could not sign in.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Container size={440} py={64}>
      <main>
        <Center mb="lg">
          <Text c="blue.9" component="span" style={{ display: 'flex' }} aria-hidden="true">
            <IconRoute size={36} />
          </Text>
        </Center>
        <Title order={1} ta="center" size="h2">
          Sign in to hoptrace
        </Title>
        <Text ta="center" c="dimmed" size="sm" mt={4} mb="lg">
          Tracing illegal robocalls, hop by hop
        </Text>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          <form onSubmit={(e) => void submit(e)} noValidate aria-label="Sign in">
            <Stack>
              {expired && (
                <Alert color="orange" title="Your session has ended" role="status">
                  Sign in again to continue where you were.
                </Alert>
              )}
              {next?.startsWith('/hops/') && !expired && (
                <Alert color="blue" role="status">
                  Sign in to answer this traceback request.
                </Alert>
              )}
              {formError && (
                <Alert color="red" role="alert">
                  {formError}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={errors.email}
                autoFocus
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={errors.password}
                // Mantine marks the wrapper, not the input; screen readers need it on the input.
                aria-invalid={!!errors.password}
              />
              <Button type="submit" loading={busy} fullWidth>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
        <Text size="xs" c="dimmed" ta="center" mt="md">
          Providers and tools can also use the <Anchor href="/api/docs">API</Anchor>.
        </Text>
      </main>
    </Container>
  );
}
