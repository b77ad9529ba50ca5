import { ZTotpDisable, type TTotpSetup } from '../lib/contracts';
import { Alert, Badge, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api/client';
import { keys, useTotpStatus } from '../api/queries';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { DateTime, ErrorAlert, FormError, Loading } from './common';
import { RecoveryCodes, TotpSetup } from './TotpSetup';

/**
 * Your second factor on the profile: set it up (QR code, the key as text, a code to confirm), see the
 * recovery codes once, and turn it off with a code or a recovery code.
 */
export function TwoFactor() {
  const queryClient = useQueryClient();
  const status = useTotpStatus();
  const [settingUp, setSettingUp] = useState(false);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.totp });

  if (recoveryCodes)
    return (
      <RecoveryCodes
        codes={recoveryCodes}
        doneLabel="I have saved them"
        onDone={() => {
          setRecoveryCodes(null);
          void refresh();
        }}
      />
    );
  if (settingUp)
    return (
      <TotpSetup
        begin={() => post<TTotpSetup>('/auth/totp/setup')}
        confirm={(code) => post<{ recoveryCodes: string[] }>('/auth/totp/enable', { code })}
        onConfirmed={(r) => {
          setSettingUp(false);
          setRecoveryCodes(r.recoveryCodes);
        }}
        onCancel={() => setSettingUp(false)}
      />
    );
  if (status.isPending) return <Loading />;
  if (status.isError) return <ErrorAlert error={status.error} />;
  const s = status.data;
  if (!s.enabled)
    return (
      <Stack gap="sm" align="flex-start">
        <Text size="sm">
          <Badge color="gray" variant="light" tt="none" mr={6}>
            Off
          </Badge>
          Signing in asks for your password only. With two-factor authentication it also asks for a code from
          an app on your phone.
        </Text>
        {s.required && (
          <Alert color="orange" role="status">
            Your role requires two-factor authentication: your next sign-in will ask you to set it up.
          </Alert>
        )}
        <Button onClick={() => setSettingUp(true)}>Set up two-factor authentication</Button>
      </Stack>
    );
  return (
    <Stack gap="sm">
      <Text size="sm">
        <Badge color="teal" variant="light" tt="none" mr={6}>
          On
        </Badge>
        since <DateTime iso={s.enabledAt} dateOnly />. Signing in asks for a code from your authenticator app.{' '}
        {s.recoveryCodesLeft} of 10 recovery codes left.
      </Text>
      {s.recoveryCodesLeft <= 3 && (
        <Alert color="orange" role="status">
          Few recovery codes are left. To get new ones, turn two-factor authentication off and set it up
          again.
        </Alert>
      )}
      <DisableTotp required={s.required} onDone={() => void refresh()} />
    </Stack>
  );
}

function DisableTotp({ required, onDone }: { required: boolean; onDone: () => void }) {
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const disable = useMutation({
    mutationFn: (body: unknown) => post<void>('/auth/totp/disable', body),
    onSuccess: () => {
      setCode('');
      notifications.show({ color: 'teal', title: 'Two-factor authentication is off', message: '' });
      onDone();
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      focusFirstError();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = ZTotpDisable.safeParse({ code });
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    disable.mutate({ code });
  }
  return (
    <form onSubmit={submit} noValidate aria-label="Turn off two-factor authentication">
      <Stack gap="xs" maw={420}>
        <FormError error={disable.error} shownFields={['code']} />
        <Group align="flex-end" gap="sm">
          <TextInput
            id="disableCode"
            label="Code, or a recovery code"
            description={
              required ? 'Your role requires it: your next sign-in will set it up again' : undefined
            }
            autoComplete="one-time-code"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={errors.code}
            aria-invalid={!!errors.code}
            w={240}
          />
          <Button type="submit" variant="light" color="red" loading={disable.isPending}>
            Turn off
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
