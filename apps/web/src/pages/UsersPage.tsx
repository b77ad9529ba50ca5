import {
  ROLES,
  ZUserCreate,
  type TRole,
  type TUser,
  type TUserListItem,
  type TUserSort,
} from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Drawer,
  Grid,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, post } from '../api/client';
import { useUsers } from '../api/queries';
import {
  DateTime,
  ErrorAlert,
  Loading,
  PageTitle,
  SortableTh,
  type SortDirection,
} from '../components/common';
import { IconSearch } from '../components/icons';
import { AgencyPicker } from '../components/AgencyPicker';
import { ProviderPicker } from '../components/ProviderPicker';
import { DisableUserModal, EditUserModal } from '../components/UserAdmin';
import { UserAccess } from '../components/UserAccess';
import { useUser } from '../session';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { ROLE_LABEL } from '../lib/labels';

const roleOptions = ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }));

export function UsersPage() {
  const [role, setRole] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const [sort, setSort] = useState<TUserSort>('added');
  const users = useUsers({
    role: role ?? undefined,
    q: debounced || undefined,
    sort: sort === 'added' ? undefined : sort,
  });
  const header = (label: string, by: TUserSort, direction: SortDirection) => (
    <SortableTh label={label} active={sort === by} direction={direction} onSort={() => setSort(by)} />
  );
  const [adding, setAdding] = useState(false);
  const [accessOf, setAccessOf] = useState<TUserListItem | null>(null);
  const [editing, setEditing] = useState<TUserListItem | null>(null);
  const [toggling, setToggling] = useState<TUserListItem | null>(null);
  const me = useUser();
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle title="Users and keys" right={<Button onClick={() => setAdding(true)}>Add a user</Button>}>
        Users and keys
      </PageTitle>
      <Group mb="md" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Name or email"
          leftSection={<IconSearch size={16} />}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={280}
        />
        <Select
          label="Role"
          data={roleOptions}
          placeholder="Any"
          clearable
          value={role}
          onChange={setRole}
          w={200}
        />
      </Group>
      {users.isPending && <Loading />}
      {users.isError && <ErrorAlert error={users.error} />}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={680}>
          <Table striped aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                {header('Name', 'name', 'ascending')}
                {header('Email', 'email', 'ascending')}
                <Table.Th>Role</Table.Th>
                <Table.Th>Provider</Table.Th>
                {header('Added', 'added', 'descending')}
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>
                    {u.name}{' '}
                    {u.disabled && (
                      <Badge color="gray" variant="light" tt="none">
                        Disabled
                      </Badge>
                    )}
                    {u.twoFactor && (
                      <Badge color="teal" variant="light" tt="none" title="Two-factor authentication is on">
                        2FA
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{u.email}</Table.Td>
                  <Table.Td>
                    {ROLE_LABEL[u.role]}
                    {u.agency ? ` · ${u.agency}` : ''}
                  </Table.Td>
                  <Table.Td>
                    {u.providerId ? (
                      <Anchor component={Link} to={`/providers/${u.providerId}`} size="sm">
                        {u.providerName}
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <DateTime iso={u.createdAt} dateOnly />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="light"
                        onClick={() => setAccessOf(u)}
                        aria-label={`Access of ${u.name}: API keys, two-factor authentication, sessions`}
                      >
                        Access
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="light"
                        onClick={() => setEditing(u)}
                        aria-label={`Change ${u.name}`}
                      >
                        Change
                      </Button>
                      {u.id !== me.id && (
                        <Button
                          size="compact-sm"
                          variant="light"
                          color={u.disabled ? undefined : 'red'}
                          onClick={() => setToggling(u)}
                          aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.name}`}
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {users.isSuccess && items.length === 0 && <Text c="dimmed">No user matches.</Text>}
      {users.hasNextPage && (
        <Button
          variant="light"
          mt="md"
          onClick={() => void users.fetchNextPage()}
          loading={users.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
      <Drawer
        opened={!!accessOf}
        onClose={() => setAccessOf(null)}
        title={accessOf ? `Access of ${accessOf.name}` : ''}
        position="right"
        size="lg"
      >
        {accessOf && <UserAccess key={accessOf.id} user={accessOf} />}
      </Drawer>
      {adding && <UserForm onClose={() => setAdding(false)} />}
      {editing && <EditUserModal user={editing} onClose={() => setEditing(null)} />}
      {toggling && <DisableUserModal user={toggling} onClose={() => setToggling(null)} />}
    </>
  );
}

function UserForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<TRole | null>(null);
  const [providerId, setProviderId] = useState<string | null>(null);
  const [agencyId, setAgencyId] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<{ user: TUser }>('/users', body),
    onSuccess: async ({ user }) => {
      notifications.show({ color: 'teal', title: 'User added', message: user.email });
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      email: email.trim(),
      name,
      role: role ?? undefined,
      providerId: role === 'provider' ? (providerId ?? undefined) : undefined,
      agencyId: role === 'enforcement' ? (agencyId ?? undefined) : undefined,
      password: password || undefined,
    };
    const parsed = ZUserCreate.safeParse(body);
    if (!parsed.success) {
      const found = fieldErrorsOf(parsed.error.issues);
      if (!role) found.role = 'Choose a role';
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    create.mutate(body);
  }
  const conflict =
    create.error instanceof ApiError && create.error.status === 409 ? create.error.message : null;
  return (
    <Modal opened onClose={onClose} title="Add a user" size="lg">
      <form onSubmit={submit} noValidate aria-label="Add a user">
        <Stack>
          {conflict && (
            <Alert color="red" role="alert">
              {conflict}
            </Alert>
          )}
          <Grid>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput
                label="Email"
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={errors.email}
                data-autofocus
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput
                label="Name"
                required
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={errors.name}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                label="Role"
                required
                data={roleOptions}
                value={role}
                onChange={setRole}
                error={errors.role}
              />
            </Grid.Col>
            {role === 'provider' && (
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <ProviderPicker
                  label="Provider it speaks for"
                  required
                  value={providerId}
                  onChange={setProviderId}
                  error={errors.providerId}
                />
              </Grid.Col>
            )}
            {role === 'enforcement' && (
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <AgencyPicker
                  id="agencyId"
                  label="Agency it acts for"
                  description="It reads the tracebacks referred to this agency"
                  required
                  value={agencyId}
                  onChange={setAgencyId}
                  error={errors.agencyId}
                />
              </Grid.Col>
            )}
            <Grid.Col span={12}>
              <PasswordInput
                label="Password"
                description="At least 12 characters. Leave empty for a user who signs in with API keys only."
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={errors.password}
                // Mantine marks the wrapper, not the input; screen readers need it on the input.
                aria-invalid={!!errors.password}
              />
            </Grid.Col>
          </Grid>
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add the user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
