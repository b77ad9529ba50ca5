import { OUTCOMES, ZTracebackAction, type TTraceback } from '../lib/contracts';
import { Alert, Button, Group, Modal, Select, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { ApiError, idempotencyKey, post } from '../api/client';
import { keys } from '../api/queries';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { OUTCOME_HELP, OUTCOME_LABEL } from '../lib/labels';
import { ProviderPicker } from './ProviderPicker';

type Action = 'cancel' | 'close' | 'reopen' | 'reassign' | 'continueAbroad';

const TITLE: Record<Action, string> = {
  cancel: 'Cancel the traceback',
  close: 'Close with an outcome',
  reopen: 'Reopen the traceback',
  reassign: 'Reassign a request',
  continueAbroad: 'Continue abroad',
};

const BUTTON: Record<Action, string> = {
  cancel: 'Cancel…',
  close: 'Close…',
  reopen: 'Reopen…',
  reassign: 'Reassign…',
  continueAbroad: 'Continue abroad…',
};

const EXPLAIN: Record<Action, string> = {
  cancel: 'The traceback ends as cancelled; any request still waiting is withdrawn.',
  close: 'The traceback ends with the outcome you choose; any request still waiting is withdrawn.',
  reopen:
    'The inquiry resumes. Name a provider to ask it next, or leave it empty to ask the last provider that did not answer again.',
  reassign:
    'The waiting request is withdrawn and the same question goes to the provider you choose, with a new deadline.',
  continueAbroad:
    'The path ended at its US entry point. If the provider abroad that it named cooperates, the traceback reopens with a request to it; the entry point stays recorded.',
};

/** The steering actions the API says this viewer may take now (`can`), each behind a short form. */
export function TracebackActions({ traceback }: { traceback: TTraceback }) {
  const [open, setOpen] = useState<Action | null>(null);
  const available = (['reassign', 'continueAbroad', 'reopen', 'close', 'cancel'] as const).filter(
    (a) => traceback.can[a],
  );
  if (available.length === 0) return null;
  return (
    <>
      <Group gap="xs">
        {available.map((a) => (
          <Button
            key={a}
            variant={a === 'cancel' ? 'outline' : a === 'close' ? 'light' : 'filled'}
            color={a === 'cancel' ? 'red' : undefined}
            onClick={() => setOpen(a)}
          >
            {BUTTON[a]}
          </Button>
        ))}
      </Group>
      {open && <ActionForm action={open} traceback={traceback} onDone={() => setOpen(null)} />}
    </>
  );
}

function ActionForm({
  action,
  traceback,
  onDone,
}: {
  action: Action;
  traceback: TTraceback;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const pending = traceback.hops.filter((h) => h.status === 'pending');
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState<string | null>(null);
  const [providerId, setProviderId] = useState<string | null>(null);
  const [hopId, setHopId] = useState<string | null>(pending.length === 1 ? (pending[0]?.id ?? null) : null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const attempt = useRef(idempotencyKey());

  const act = useMutation({
    mutationFn: (body: unknown) =>
      post<TTraceback>(`/tracebacks/${traceback.id}/actions`, body, { idempotencyKey: attempt.current }),
    onSuccess: async (tb) => {
      queryClient.setQueryData(keys.traceback(tb.id), tb);
      notifications.show({ color: 'teal', title: 'Done', message: TITLE[action] });
      onDone();
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.events(tb.id) }),
        queryClient.invalidateQueries({ queryKey: ['tracebacks'] }),
        queryClient.invalidateQueries({ queryKey: ['dashboard'] }),
      ]);
    },
    onError: (err) => {
      attempt.current = idempotencyKey();
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      action: action === 'continueAbroad' ? 'continue_abroad' : action,
      note: note.trim() || undefined,
      ...(action === 'close' ? { outcome: outcome ?? undefined } : {}),
      ...(action === 'reopen' && providerId ? { providerId } : {}),
      ...(action === 'reassign' ? { hopId: hopId ?? undefined, providerId: providerId ?? undefined } : {}),
    };
    const parsed = ZTracebackAction.safeParse(body);
    if (!parsed.success) {
      const found = fieldErrorsOf(parsed.error.issues);
      if (action === 'close' && !outcome) found.outcome = 'Choose the outcome';
      if (action === 'reassign' && !providerId) found.providerId = 'Choose the provider to ask instead';
      if (action === 'reassign' && !hopId) found.hopId = 'Choose the request to reassign';
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    act.mutate(body);
  }

  const conflict = act.error instanceof ApiError && act.error.status === 409 ? act.error.message : null;
  const other =
    act.error && !conflict && !(act.error instanceof ApiError && Object.keys(act.error.fieldErrors).length)
      ? act.error.message
      : null;

  return (
    <Modal opened onClose={onDone} title={TITLE[action]} centered size="lg">
      <form onSubmit={submit} noValidate aria-label={TITLE[action]}>
        <Stack>
          <Text size="sm">{EXPLAIN[action]}</Text>
          {(conflict ?? other) && (
            <Alert color="red" role="alert" title="Not done">
              {conflict ?? other}
            </Alert>
          )}
          {action === 'close' && (
            <Select
              label="Outcome"
              required
              data={OUTCOMES.filter((o) => o !== 'cancelled').map((o) => ({
                value: o,
                label: OUTCOME_LABEL[o],
              }))}
              value={outcome}
              onChange={setOutcome}
              error={errors.outcome}
              description={outcome ? OUTCOME_HELP[outcome as keyof typeof OUTCOME_HELP] : undefined}
              data-autofocus
            />
          )}
          {action === 'reassign' && pending.length !== 1 && (
            <Select
              label="Request to reassign"
              required
              data={pending.map((h) => ({
                value: h.id,
                label: `Hop ${h.seq} (${h.line}): ${h.providerName}`,
              }))}
              value={hopId}
              onChange={setHopId}
              error={errors.hopId}
            />
          )}
          {action === 'reassign' && pending.length === 1 && (
            <Text size="sm">
              Now waiting on <b>{pending[0]?.providerName}</b> (hop {pending[0]?.seq}).
            </Text>
          )}
          {(action === 'reopen' || action === 'reassign') && (
            <ProviderPicker
              label={action === 'reopen' ? 'Provider to ask next' : 'Provider to ask instead'}
              required={action === 'reassign'}
              value={providerId}
              onChange={setProviderId}
              error={errors.providerId}
            />
          )}
          <Textarea
            label="Note for the timeline"
            autosize
            minRows={2}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={errors.note}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onDone}>
              Back
            </Button>
            <Button type="submit" loading={act.isPending} color={action === 'cancel' ? 'red' : undefined}>
              {TITLE[action]}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
