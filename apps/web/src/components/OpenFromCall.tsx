import type { TCallView, TTraceback } from '@hoptrace/contracts';
import { Button, Group, Modal, Stack, Text, Tooltip, type ButtonProps } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, get, idempotencyKey, post } from '../api/client';
import { keys, q } from '../api/queries';
import { FormError } from './common';
import { ProviderPicker } from './ProviderPicker';

/** The parts of a call record a traceback starts from (a campaign's sample or a listed call). */
export interface TraceableCall {
  id: string;
  startedAt: string;
  callingNumber: string | null;
  calledNumber: string | null;
  /** The feed's name. */
  source: string;
}

/**
 * "Open a traceback from this call": the call's time and numbers, its Identity header (from the
 * stored record) and the first provider, which is the provider that delivers the call's feed.
 * A feed without one says so, and the analyst picks the first provider.
 */
export function OpenFromCall({
  call,
  campaignId,
  label = 'Open a traceback from this call',
  ...button
}: {
  call: TraceableCall;
  campaignId?: string | null | undefined;
  label?: string;
} & Pick<ButtonProps, 'size' | 'variant'>) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [choosing, setChoosing] = useState(false);
  const [providerId, setProviderId] = useState<string | null>(null);
  const attempt = useRef(idempotencyKey());
  // Asked on the first click only (then cached), so a list of fifty calls does not wait for it.
  const findSource = useMutation({
    mutationFn: async () =>
      (await queryClient.fetchQuery(q.callSources())).find((s) => s.name === call.source),
    onSuccess: (source) => {
      if (source?.terminatingProviderId) open.mutate(source.terminatingProviderId);
      else setChoosing(true);
    },
  });
  const open = useMutation({
    mutationFn: async (firstProviderId: string) => {
      // The stored record carries the Identity header the feed received; the sample does not.
      const record = await get<TCallView>(`/calls/${call.id}`);
      return post<TTraceback>(
        '/tracebacks',
        {
          call: {
            startedAt: record.startedAt,
            callingNumber: record.callingNumber,
            calledNumber: record.calledNumber,
          },
          firstProviderId,
          callId: call.id,
          ...(campaignId ? { campaignId } : {}),
          ...(record.identityHeader ? { identityHeader: record.identityHeader } : {}),
        },
        { idempotencyKey: attempt.current },
      );
    },
    onSuccess: async (tb) => {
      attempt.current = idempotencyKey();
      await queryClient.invalidateQueries({ queryKey: keys.campaigns });
      await navigate(`/tracebacks/${tb.id}`);
    },
  });

  const missing = !call.callingNumber ? 'caller' : !call.calledNumber ? 'called' : null;
  if (missing)
    return (
      <Tooltip label={`The ${missing} number was withheld: this call cannot be traced`}>
        <Button {...button} disabled data-disabled>
          {label}
        </Button>
      </Tooltip>
    );

  return (
    <>
      <Button
        {...button}
        onClick={() => findSource.mutate()}
        loading={findSource.isPending || open.isPending}
        data-call-id={call.id}
      >
        {label}
      </Button>
      {!choosing && (open.error ?? findSource.error) && (
        <Stack mt="xs">
          <FormError error={open.error ?? findSource.error} />
        </Stack>
      )}
      {choosing && (
        <Modal opened onClose={() => setChoosing(false)} title="Open a traceback from this call">
          <form
            noValidate
            aria-label="First provider"
            onSubmit={(e) => {
              e.preventDefault();
              if (providerId) open.mutate(providerId);
            }}
          >
            <Stack>
              <Text size="sm">
                The feed <strong>{call.source || 'of this call'}</strong> has no terminating provider on
                record, so hoptrace cannot tell who delivered the call. Choose the provider to ask first.
              </Text>
              <FormError error={open.error} shownFields={['firstProviderId']} />
              <ProviderPicker
                label="First provider (terminating)"
                value={providerId}
                onChange={setProviderId}
                required
                error={open.error instanceof ApiError ? open.error.fieldErrors.firstProviderId : undefined}
              />
              <Group justify="flex-end">
                <Button variant="subtle" onClick={() => setChoosing(false)}>
                  Cancel
                </Button>
                <Button type="submit" disabled={!providerId} loading={open.isPending}>
                  Open the traceback
                </Button>
              </Group>
            </Stack>
          </form>
        </Modal>
      )}
    </>
  );
}
