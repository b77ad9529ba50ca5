import { ZPasswordChange } from '../lib/contracts';
import { Alert, Button, PasswordInput, Stack } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api/client';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';

/** Your own password: the current one proves it is you; your other sessions end. */
export function ChangePassword() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = useMutation({
    mutationFn: (body: unknown) => post<void>('/users/me/password', body),
    onSuccess: () => {
      setCurrent('');
      setNew('');
      notifications.show({
        color: 'teal',
        title: 'Password changed',
        message: 'Your other sessions have been signed out.',
      });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      focusFirstError();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { currentPassword, newPassword };
    const parsed = ZPasswordChange.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    change.mutate(body);
  }
  const formError =
    change.error && !(change.error instanceof ApiError && Object.keys(change.error.fieldErrors).length)
      ? change.error.message
      : null;
  return (
    <form onSubmit={submit} noValidate aria-label="Change your password">
      <Stack gap="sm" maw={420}>
        {formError && (
          <Alert color="red" role="alert">
            {formError}
          </Alert>
        )}
        <PasswordInput
          id="currentPassword"
          label="Current password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          error={errors.currentPassword}
          aria-invalid={!!errors.currentPassword}
        />
        <PasswordInput
          id="newPassword"
          label="New password"
          description="At least 12 characters"
          autoComplete="new-password"
          required
          value={newPassword}
          onChange={(e) => setNew(e.currentTarget.value)}
          error={errors.newPassword}
          aria-invalid={!!errors.newPassword}
        />
        <div>
          <Button type="submit" loading={change.isPending}>
            Change the password
          </Button>
        </div>
      </Stack>
    </form>
  );
}
