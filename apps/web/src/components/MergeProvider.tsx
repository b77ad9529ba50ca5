import type { TProvider, TProviderMergeResult } from '@hoptrace/contracts';
import { Alert, Anchor, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, post } from '../api/client';
import { keys } from '../api/queries';
import { useUser } from '../session';
import { ProviderPicker } from './ProviderPicker';

/**
 * On a provider's page: "merged into X" when the record was merged, and for admins a
 * "Merge into…" action that moves this record's history onto another record of the same provider.
 */
export function MergeProvider({ provider: p }: { provider: TProvider }) {
  const user = useUser();
  const [open, setOpen] = useState(false);
  if (p.mergedInto)
    return (
      <Alert color="gray" title="Merged record" data-testid="merged-into">
        This record was merged into{' '}
        <Anchor component={Link} to={`/providers/${p.mergedInto.id}`}>
          {p.mergedInto.name || 'another record'}
        </Anchor>{' '}
        on {p.mergedInto.mergedAt.slice(0, 10)}; its tracebacks, users and identifiers are there now.
      </Alert>
    );
  if (user.role !== 'admin') return null;
  return (
    <>
      <Group justify="flex-end">
        <Button variant="subtle" color="red" size="xs" onClick={() => setOpen(true)}>
          Merge into…
        </Button>
      </Group>
      {open && <MergeDialog provider={p} onClose={() => setOpen(false)} />}
    </>
  );
}

function MergeDialog({ provider: p, onClose }: { provider: TProvider; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [into, setInto] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const merge = useMutation({
    mutationFn: (target: string) => post<TProviderMergeResult>(`/providers/${p.id}/merge`, { into: target }),
    onSuccess: async (r) => {
      queryClient.setQueryData(keys.provider(r.provider.id), r.provider);
      queryClient.setQueryData(keys.provider(r.mergedFrom.id), r.mergedFrom);
      notifications.show({
        color: 'teal',
        title: 'Merged',
        message: `${r.mergedFrom.name} is now part of ${r.provider.name} (${r.moved.hops} hops moved)`,
      });
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['directory'] });
      await queryClient.invalidateQueries({ queryKey: ['providers'] });
      await queryClient.invalidateQueries({ queryKey: ['tracebacks'] });
    },
    onError: (err) => {
      setError(err instanceof ApiError ? (err.fieldErrors.into ?? err.message) : String(err));
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!into) return setError('Choose the record to keep');
    if (into === p.id) return setError('Choose another record: a provider cannot be merged into itself');
    setError(null);
    merge.mutate(into);
  }

  return (
    <Modal opened onClose={onClose} title={`Merge ${p.name} into another record`} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">
            Every traceback, hop, user, webhook and RMD link of <b>{p.name}</b> moves to the record you
            choose, which also gains its names, OCNs and contacts. This record stays only as a pointer. This
            cannot be undone.
          </Text>
          <ProviderPicker
            label="Keep this record"
            value={into}
            onChange={setInto}
            error={error ?? undefined}
            required
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={merge.isPending}>
              Merge
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
