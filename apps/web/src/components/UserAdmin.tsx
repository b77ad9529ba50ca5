import { ROLES, ZUserPatch, type TRole, type TUser, type TUserListItem } from '../lib/contracts';
import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, patch } from '../api/client';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { ROLE_LABEL } from '../lib/labels';
import { AgencyPicker } from './AgencyPicker';
import { ProviderPicker } from './ProviderPicker';

const roleOptions = ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }));

function usePatchUser(userId: string, onDone: () => void, onFieldErrors?: (e: FieldErrors) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => patch<{ user: TUser }>(`/users/${userId}`, body),
    onSuccess: async ({ user }) => {
      notifications.show({
        color: 'teal',
        title: user.disabled ? 'User disabled' : 'User saved',
        message: user.email,
      });
      onDone();
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (err) => {
      if (err instanceof ApiError) onFieldErrors?.(err.fieldErrors);
    },
  });
}

const formErrorOf = (error: Error | null) =>
  error && !(error instanceof ApiError && Object.keys(error.fieldErrors).length) ? error.message : null;

/** An admin changes a user's name, role and the provider (provider users) or agency (enforcement) they act for. */
export function EditUserModal({ user, onClose }: { user: TUserListItem; onClose: () => void }) {
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<TRole>(user.role);
  const [providerId, setProviderId] = useState<string | null>(user.providerId);
  const [agencyId, setAgencyId] = useState<string | null>(user.agencyId);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = usePatchUser(user.id, onClose, setErrors);
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      name,
      role,
      providerId: role === 'provider' ? providerId : null,
      ...(role === 'enforcement' ? { agencyId } : {}),
    };
    const parsed = ZUserPatch.safeParse(body);
    const found = parsed.success ? {} : fieldErrorsOf(parsed.error.issues);
    if (role === 'provider' && !providerId) found.providerId = 'Choose the provider this user speaks for';
    if (role === 'enforcement' && !agencyId) found.agencyId = 'Choose the agency this user acts for';
    if (Object.keys(found).length) {
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    save.mutate(body);
  }
  const formError = formErrorOf(save.error);
  return (
    <Modal opened onClose={onClose} title={`Change ${user.name}`} size="lg">
      <form onSubmit={submit} noValidate aria-label="Change the user">
        <Stack>
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Select
            id="role"
            label="Role"
            required
            data={roleOptions}
            value={role}
            onChange={(v) => v && setRole(v)}
            allowDeselect={false}
            error={errors.role}
          />
          {role === 'provider' && (
            <ProviderPicker
              id="providerId"
              label="Provider it speaks for"
              required
              value={providerId}
              onChange={setProviderId}
              error={errors.providerId}
            />
          )}
          {role === 'enforcement' && (
            <AgencyPicker
              id="agencyId"
              label="Agency it acts for"
              description="It reads the tracebacks referred to this agency"
              required
              value={agencyId}
              onChange={setAgencyId}
              error={errors.agencyId}
            />
          )}
          <Text size="sm" c="dimmed">
            A new role or provider signs the user out; their API keys follow the new role at once.
          </Text>
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Disable (sign-in, sessions and keys stop) or enable a user again, after saying what it does. */
export function DisableUserModal({ user, onClose }: { user: TUserListItem; onClose: () => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = usePatchUser(user.id, onClose, setErrors);
  const disabling = !user.disabled;
  const title = disabling ? `Disable ${user.name}?` : `Enable ${user.name}?`;
  const problem = errors.disabled ?? formErrorOf(save.error);
  return (
    <Modal opened onClose={onClose} title={title}>
      <Stack>
        <Text size="sm">
          {disabling
            ? 'They are signed out everywhere, cannot sign in, and their API keys stop working. You can enable them again later.'
            : 'They can sign in again and their API keys that were not revoked work again.'}
        </Text>
        {problem && (
          <Alert color="red" role="alert">
            {problem}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="subtle" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color={disabling ? 'red' : undefined}
            loading={save.isPending}
            onClick={() => save.mutate({ disabled: disabling })}
            data-autofocus
          >
            {disabling ? 'Disable the user' : 'Enable the user'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
