import type { TTotpSetup } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { ErrorAlert, Loading } from './common';

/** The otpauth:// URL as a QR code, drawn here (SVG as a data URL: no network, nothing outside the CSP). */
function QrCode({ url }: { url: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import('qrcode').then(async (QRCode) => {
      const svg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      live = false;
    };
  }, [url]);
  if (!src) return <Loading label="Drawing the QR code" />;
  return (
    <Image
      src={src}
      alt="QR code to scan with your authenticator app"
      w={200}
      h={200}
      bg="white"
      p={4}
      radius="sm"
      data-testid="totp-qr"
    />
  );
}

/** The secret in groups of four, easier to type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/**
 * Recovery codes, shown once: each signs in once in place of a code. Copy and download (a text file made
 * here) are offered; the codes are gone from the page once it is left.
 */
export function RecoveryCodes({
  codes,
  onDone,
  doneLabel,
}: {
  codes: string[];
  onDone: () => void;
  doneLabel: string;
}) {
  const text = `hoptrace recovery codes (each works once)\n\n${codes.join('\n')}\n`;
  return (
    <Stack>
      <Alert color="teal" title="Two-factor authentication is on" role="status">
        <Text size="sm">
          Keep these recovery codes somewhere safe, such as a password manager. If you lose the device with
          your authenticator app, each one signs you in once instead of a code. They are shown only now.
        </Text>
      </Alert>
      <List spacing={2} listStyleType="none" aria-label="Recovery codes" data-testid="recovery-codes">
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing={4}>
          {codes.map((c) => (
            <List.Item key={c}>
              <Code fz="md">{c}</Code>
            </List.Item>
          ))}
        </SimpleGrid>
      </List>
      <Group gap="sm">
        <CopyButton value={codes.join('\n')}>
          {({ copied, copy }) => (
            <Button variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy the codes'}
            </Button>
          )}
        </CopyButton>
        <Button
          variant="light"
          component="a"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="hoptrace-recovery-codes.txt"
        >
          Download as a file
        </Button>
        <Button onClick={onDone}>{doneLabel}</Button>
      </Group>
    </Stack>
  );
}

/**
 * Setting up TOTP: a new secret (QR code and text), confirmed with the app's current code. Used from the
 * profile and, when HOPTRACE_REQUIRE_MFA asks, during sign-in; `begin` and `confirm` are the API calls.
 */
export function TotpSetup<R extends { recoveryCodes: string[] }>({
  begin,
  confirm,
  onConfirmed,
  onCancel,
}: {
  begin: () => Promise<TTotpSetup>;
  confirm: (code: string) => Promise<R>;
  onConfirmed: (result: R) => void;
  onCancel?: () => void;
}) {
  const [setup, setSetup] = useState<TTotpSetup | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    begin().then(
      (s) => live && setSetup(s),
      (e: unknown) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
    // One secret per mount: `begin` asks the server for a new one.
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    // Loaded on demand: the sign-in page keeps the contracts out of its first download.
    const { ZTotpEnable } = await import('../lib/contracts');
    const parsed = ZTotpEnable.safeParse({ code });
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      onConfirmed(await confirm(code));
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.code) {
        setErrors({ code: err.fieldErrors.code });
        focusFirstError();
      } else setFormError(err instanceof Error ? err.message : 'Could not turn it on.');
    } finally {
      setBusy(false);
    }
  }

  if (loadError) return <ErrorAlert error={loadError} title="Could not start the setup" />;
  if (!setup) return <Loading label="Making a secret" />;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Set up two-factor authentication">
      <Stack>
        <List type="ordered" size="sm" spacing="xs">
          <List.Item>
            Open an authenticator app on your phone (any app for TOTP codes, such as 1Password, Google
            Authenticator, Microsoft Authenticator or FreeOTP).
          </List.Item>
          <List.Item>Scan this QR code with it, or type the key below into it.</List.Item>
          <List.Item>Enter the 6-digit code the app shows.</List.Item>
        </List>
        <Group align="flex-start" gap="lg">
          <QrCode url={setup.otpauthUrl} />
          <Stack gap={4} maw={360}>
            <Text size="sm" fw={500} id="totp-secret-label">
              Key, to type in instead
            </Text>
            <Group gap="xs">
              <Code fz="md" aria-labelledby="totp-secret-label" data-testid="totp-secret">
                {grouped(setup.secret)}
              </Code>
              <CopyButton value={setup.secret}>
                {({ copied, copy }) => (
                  <Button size="compact-sm" variant="light" onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="xs" c="dimmed">
              Time-based, 6 digits, every 30 seconds. Shown only during this setup.
            </Text>
          </Stack>
        </Group>
        {formError && (
          <Alert color="red" role="alert">
            {formError}
          </Alert>
        )}
        <TextInput
          id="code"
          label="Code from the app"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          maw={220}
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          error={errors.code}
          aria-invalid={!!errors.code}
        />
        <Group gap="sm">
          <Button type="submit" loading={busy}>
            Turn on
          </Button>
          {onCancel && (
            <Anchor component="button" type="button" size="sm" onClick={onCancel}>
              Cancel
            </Anchor>
          )}
        </Group>
      </Stack>
    </form>
  );
}
