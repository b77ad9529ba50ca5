import type { TTotpSetup, TUser } from '@hoptrace/contracts';
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
import { ApiError, isApiError, request } from '../api/client';
import { keys, useMe } from '../api/queries';
import { DemoLoadingNotice } from '../components/DemoLoading';
import { IconRoute } from '../components/icons';
import { RecoveryCodes, TotpSetup } from '../components/TotpSetup';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { homeOf, safeNext, session } from '../session';

const loadContracts = () => import('../lib/contracts');

type Step =
  | { kind: 'password' }
  /** The password was right; a code from the app (or a recovery code) completes the sign-in. */
  | { kind: 'code'; challenge: string }
  /** The password was right; the user's role requires a second factor and none is set up yet. */
  | { kind: 'enrol'; challenge: string }
  /** Set up during sign-in: the recovery codes, shown once, before going on. */
  | { kind: 'codes'; user: TUser; recoveryCodes: string[] };

type LoginAnswer =
  | { user: TUser }
  | { mfaRequired: true; challenge: string }
  | { mfaEnrollmentRequired: true; challenge: string };

const RESTART = 'That sign-in timed out or had too many wrong codes. Enter your password again.';

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const [step, setStep] = useState<Step>({ kind: 'password' });
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

  if (me.data && !busy && step.kind === 'password') return <Navigate to={next ?? homeOf(me.data)} replace />;

  async function finish(user: TUser) {
    session.expired = false;
    queryClient.setQueryData(keys.me, user);
    await navigate(next ?? homeOf(user), { replace: true });
  }

  /** Back to the password, saying why (the challenge ran out). */
  function restart(message: string) {
    setStep({ kind: 'password' });
    setPassword('');
    setErrors({});
    setFormError(message);
  }

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
      const answer = await request<LoginAnswer>('POST', '/auth/login', { body: parsed.data, quiet401: true });
      if ('user' in answer) await finish(answer.user);
      else if ('mfaRequired' in answer) setStep({ kind: 'code', challenge: answer.challenge });
      else setStep({ kind: 'enrol', challenge: answer.challenge });
    } catch (err) {
      if (isApiError(err, 401)) setFormError('The email or the password is wrong.');
      // The server says how long to wait (the address's limit, or the account's backoff after failures).
      else if (isApiError(err, 429)) setFormError(`Too many attempts: ${err.message}.`);
      else setFormError(err instanceof Error ? err.message : 'Could not sign in.');
    } finally {
      setBusy(false);
    }
  }

  const wide = step.kind === 'enrol' || step.kind === 'codes';
  const title =
    step.kind === 'password'
      ? 'Sign in to hoptrace'
      : step.kind === 'code'
        ? 'Enter your code'
        : 'Set up two-factor authentication';
  return (
    <Container size={wide ? 640 : 440} py={64}>
      <main>
        <Center mb="lg">
          <Text c="blue.9" component="span" style={{ display: 'flex' }} aria-hidden="true">
            <IconRoute size={36} />
          </Text>
        </Center>
        <Title order={1} ta="center" size="h2">
          {title}
        </Title>
        <Text ta="center" c="dimmed" size="sm" mt={4} mb="lg">
          Tracing illegal robocalls, hop by hop
        </Text>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          {step.kind === 'code' && (
            <CodeStep challenge={step.challenge} onSignedIn={(u) => void finish(u)} onRestart={restart} />
          )}
          {step.kind === 'enrol' && (
            <Stack>
              <Alert color="blue" role="status">
                Your role requires two-factor authentication. Set it up now to finish signing in: you will
                need your phone.
              </Alert>
              <TotpSetup
                begin={() =>
                  request<TTotpSetup>('POST', '/auth/login/totp/setup', {
                    body: { challenge: step.challenge },
                    quiet401: true,
                  })
                }
                confirm={(code) =>
                  request<{ user: TUser; recoveryCodes: string[] }>('POST', '/auth/login/totp/enable', {
                    body: { challenge: step.challenge, code },
                    quiet401: true,
                  })
                }
                onConfirmed={(r) => setStep({ kind: 'codes', user: r.user, recoveryCodes: r.recoveryCodes })}
                onCancel={() =>
                  restart('Two-factor authentication was not set up. Sign in again to set it up.')
                }
              />
            </Stack>
          )}
          {step.kind === 'codes' && (
            <RecoveryCodes
              codes={step.recoveryCodes}
              doneLabel="Continue to hoptrace"
              onDone={() => void finish(step.user)}
            />
          )}
          {step.kind === 'password' && (
            <form onSubmit={(e) => void submit(e)} noValidate aria-label="Sign in">
              <Stack>
                <DemoLoadingNotice />
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
          )}
        </Paper>
        <Text size="xs" c="dimmed" ta="center" mt="md">
          Providers and tools can also use the{' '}
          <Anchor href="/api/docs" underline="always">
            API
          </Anchor>
          .
        </Text>
      </main>
    </Container>
  );
}

/** The second step: the code from the authenticator app, or a recovery code in its place. */
function CodeStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: string;
  onSignedIn: (user: TUser) => void;
  onRestart: (message: string) => void;
}) {
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const { ZLoginTotp } = await loadContracts();
    const parsed = ZLoginTotp.safeParse({ challenge, code });
    if (!parsed.success) {
      setError(fieldErrorsOf(parsed.error.issues).code ?? 'Enter the code');
      focusFirstError();
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const { user } = await request<{ user: TUser }>('POST', '/auth/login/totp', {
        body: parsed.data,
        quiet401: true,
      });
      onSignedIn(user);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors : {};
      if (fields.challenge) onRestart(RESTART);
      else if (fields.code) {
        setError(fields.code);
        focusFirstError();
      } else setFormError(err instanceof Error ? err.message : 'Could not sign in.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Enter your code">
      <Stack>
        {formError && (
          <Alert color="red" role="alert">
            {formError}
          </Alert>
        )}
        <Text size="sm">
          {recovery
            ? 'Enter one of the recovery codes you saved when you set up two-factor authentication. Each works once.'
            : 'Open the authenticator app on your phone and enter the 6-digit code it shows for hoptrace.'}
        </Text>
        <TextInput
          key={recovery ? 'recovery' : 'totp'}
          id="code"
          label={recovery ? 'Recovery code' : 'Code'}
          placeholder={recovery ? 'xxxx-xxxx-xxxx-xxxx' : undefined}
          inputMode={recovery ? 'text' : 'numeric'}
          autoComplete="one-time-code"
          required
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          error={error}
          aria-invalid={!!error}
          autoFocus
        />
        <Button type="submit" loading={busy} fullWidth>
          Sign in
        </Button>
        <Anchor
          component="button"
          type="button"
          size="sm"
          onClick={() => {
            setRecovery(!recovery);
            setCode('');
            setError(undefined);
          }}
        >
          {recovery ? 'Use a code from the app' : 'Use a recovery code'}
        </Anchor>
      </Stack>
    </form>
  );
}
