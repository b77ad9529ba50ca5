import type { TCampaignDetail, TCampaignForward, TTraceback } from '@hoptrace/contracts';
import { Anchor, Badge, Button, Group, Modal, Stack, Table, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, idempotencyKey, post } from '../api/client';
import { keys } from '../api/queries';
import { ACTION_LABEL, FORWARD_ANSWER_LABEL, HOP_STATUS_LABEL, OUTCOME_LABEL } from '../lib/labels';
import { formatPhone } from '../lib/phone';
import { Countdown, DateTime, FormError, Phone, SectionCard } from './common';
import { IconLock } from './icons';
import { ProviderPicker } from './ProviderPicker';

/**
 * "Trace forward" next to a callback number: the analyst picks the provider that holds the number
 * from the directory, confirms, and hoptrace asks it whose customer is behind the number.
 */
export function TraceForwardButton({ campaign, number }: { campaign: TCampaignDetail; number: string }) {
  const [open, setOpen] = useState(false);
  const waiting = campaign.forwardRequests.some((f) => f.number === number && f.status === 'open');
  return (
    <>
      <Button
        size="compact-xs"
        variant="light"
        disabled={waiting}
        title={waiting ? 'A request about this number is waiting for its answer' : undefined}
        onClick={() => setOpen(true)}
        aria-label={`Trace forward ${formatPhone(number)}`}
      >
        Trace forward
      </Button>
      {open && <TraceForwardDialog campaign={campaign} number={number} onClose={() => setOpen(false)} />}
    </>
  );
}

function TraceForwardDialog({
  campaign,
  number,
  onClose,
}: {
  campaign: TCampaignDetail;
  number: string;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [providerId, setProviderId] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const attempt = useRef(idempotencyKey());
  const send = useMutation({
    mutationFn: (body: { number: string; providerId: string; note?: string }) =>
      post<TTraceback>(`/campaigns/${campaign.id}/trace-forward`, body, { idempotencyKey: attempt.current }),
    onSuccess: async () => {
      attempt.current = idempotencyKey();
      notifications.show({
        color: 'teal',
        title: 'Forward request sent',
        message: `The provider is asked who is behind ${formatPhone(number)}.`,
      });
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.campaign(campaign.id) });
    },
  });
  const fieldErrors = send.error instanceof ApiError ? send.error.fieldErrors : {};
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!providerId) {
      setMissing(true);
      return;
    }
    setMissing(false);
    send.mutate({ number, providerId, ...(note.trim() ? { note } : {}) });
  }
  return (
    <Modal opened onClose={onClose} title={`Trace forward ${formatPhone(number)}`}>
      <form onSubmit={submit} noValidate aria-label="Trace forward">
        <Stack>
          <Text size="sm">
            The calls of “{campaign.name}” tell people to call back <Phone e164={number} />. The provider you
            choose is asked, with the 24-hour clock of any request, who its customer behind the number is.
          </Text>
          <FormError error={send.error} shownFields={['providerId', 'note']} />
          <ProviderPicker
            id="providerId"
            label="Provider that holds the number"
            description="From the directory: the carrier the number is assigned or ported to"
            required
            value={providerId}
            onChange={setProviderId}
            error={missing ? 'Choose the provider to ask' : fieldErrors.providerId}
          />
          <Textarea
            label="Note"
            description="Optional: kept on the request, for staff"
            autosize
            minRows={2}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={fieldErrors.note}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={send.isPending}>
              Send the request
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Answer({ f }: { f: TCampaignForward }) {
  if (!f.answer) return <Text size="sm">—</Text>;
  return (
    <Stack gap={2}>
      <Text size="sm" fw={600}>
        {FORWARD_ANSWER_LABEL[f.answer.kind]}
        {f.answer.action && (
          <Text span size="sm" c="dimmed" fw={400}>
            {' '}
            · {ACTION_LABEL[f.answer.action]}
          </Text>
        )}
      </Text>
      {f.customer && (
        <Group gap={4} wrap="nowrap" align="flex-start" data-testid="forward-customer">
          <IconLock size={14} />
          <Text size="sm">
            {f.customer.name}
            {f.customer.accountRef ? ` · account ${f.customer.accountRef}` : ''}
            {f.customer.contact ? ` · ${f.customer.contact}` : ''}
            {f.customer.address ? ` · ${f.customer.address}` : ''}
          </Text>
        </Group>
      )}
      {f.answer.comment && (
        <Text size="sm" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
          “{f.answer.comment}”
        </Text>
      )}
    </Stack>
  );
}

/** A campaign's forward requests: whom each number was asked of, by when, and (for staff) the customer. */
export function ForwardRequests({ items }: { items: TCampaignForward[] }) {
  return (
    <SectionCard title="Trace-forward" count={items.length} testId="forward-requests">
      <Text size="xs" c="dimmed" mb="xs">
        Requests to the providers that hold its callback numbers. Customer details are CPNI: your view of them
        is recorded on the request.
      </Text>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No number traced forward yet: use “Trace forward” next to a callback number.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" aria-label="Forward requests of this campaign">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Asked</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Answer</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((f) => (
                <Table.Tr key={f.id} data-forward-id={f.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/tracebacks/${f.id}`} size="sm">
                      <Phone e164={f.number} />
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/providers/${f.provider.id}`} size="sm">
                      {f.provider.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      <DateTime iso={f.openedAt} compact />
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {f.hopStatus === 'pending' ? (
                      <Countdown dueAt={f.dueAt} />
                    ) : (
                      <Group gap={4} wrap="nowrap">
                        <Badge variant="light" color="gray" tt="none">
                          {f.hopStatus === 'answered'
                            ? 'Answered'
                            : f.outcome
                              ? OUTCOME_LABEL[f.outcome]
                              : HOP_STATUS_LABEL[f.hopStatus]}
                        </Badge>
                        {f.late && (
                          <Badge color="orange" variant="light" tt="none">
                            Late
                          </Badge>
                        )}
                      </Group>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Answer f={f} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </SectionCard>
  );
}
