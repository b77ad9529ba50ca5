import { ZReferralCreate, type TReferral, type TReferralResult, type TTraceback } from '../lib/contracts';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, del, post } from '../api/client';
import { keys, useAgencies, useReferrals } from '../api/queries';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { DateTime, ErrorAlert } from './common';

/**
 * The agencies a traceback is referred to. Staff see every referral (withdrawn ones too), refer it to an
 * agency and withdraw a referral; an enforcement user sees its own agency's referral, read-only. What the
 * viewer may do comes from the API (`can`).
 */
export function Referrals({ traceback }: { traceback: TTraceback }) {
  const referrals = useReferrals(traceback.id);
  const [formOpen, setFormOpen] = useState(false);
  if (referrals.isPending) return <Skeleton h={80} />;
  if (referrals.isError) return <ErrorAlert error={referrals.error} title="Could not load the referrals" />;
  const { items, can } = referrals.data;
  return (
    <Paper withBorder p="md" data-testid="referrals">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Referrals to agencies
        </Title>
        {can.refer && !formOpen && (
          <Button variant="light" onClick={() => setFormOpen(true)}>
            Refer to agencies…
          </Button>
        )}
      </Group>
      <Stack gap="sm">
        {items.length === 0 ? (
          <Text size="sm" c="dimmed">
            Not referred to any agency.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={520}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Agency</Table.Th>
                  <Table.Th>Referred</Table.Th>
                  <Table.Th>Note</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Status</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) => (
                  <ReferralRow key={r.id} referral={r} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {formOpen && <ReferForm traceback={traceback} onDone={() => setFormOpen(false)} />}
      </Stack>
    </Paper>
  );
}

function ReferralRow({ referral: r }: { referral: TReferral }) {
  const queryClient = useQueryClient();
  const withdraw = useMutation({
    mutationFn: () => del<TReferral>(`/tracebacks/${r.tracebackId}/referrals/${r.id}`),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Referral withdrawn', message: r.agency });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.referrals(r.tracebackId) }),
        queryClient.invalidateQueries({ queryKey: keys.events(r.tracebackId) }),
      ]);
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not withdrawn', message: err.message }),
  });
  return (
    <Table.Tr>
      <Table.Td fw={600}>{r.agency}</Table.Td>
      <Table.Td>
        <DateTime iso={r.referredAt} />
        {r.referredBy && (
          <Text size="xs" c="dimmed">
            by {r.referredBy}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {r.note ?? '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        {r.withdrawnAt ? (
          <Badge color="gray" variant="light" tt="none">
            Withdrawn <DateTime iso={r.withdrawnAt} />
          </Badge>
        ) : r.can.withdraw ? (
          <Button
            size="xs"
            variant="outline"
            color="red"
            loading={withdraw.isPending}
            onClick={() => withdraw.mutate()}
            aria-label={`Withdraw the referral to ${r.agency}`}
          >
            Withdraw
          </Button>
        ) : (
          <Badge color="teal" variant="light" tt="none">
            Referred
          </Badge>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function ReferForm({ traceback, onDone }: { traceback: TTraceback; onDone: () => void }) {
  const queryClient = useQueryClient();
  const agencies = useAgencies(true);
  const [agencyIds, setAgencyIds] = useState<string[]>([]);
  const [all, setAll] = useState(false);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const refer = useMutation({
    mutationFn: (body: unknown) => post<TReferralResult>(`/tracebacks/${traceback.id}/referrals`, body),
    onSuccess: async (r) => {
      const sent = r.referred.map((x) => x.agency).join(', ');
      const already = r.alreadyReferred.map((x) => x.agency).join(', ');
      notifications.show({
        color: 'teal',
        title: r.referred.length
          ? `Referred to ${r.referred.length} agenc${r.referred.length === 1 ? 'y' : 'ies'}`
          : 'Nothing new to refer',
        message: [sent && `Sent to ${sent}.`, already && `Already referred: ${already}.`]
          .filter(Boolean)
          .join(' '),
      });
      onDone();
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.referrals(traceback.id) }),
        queryClient.invalidateQueries({ queryKey: keys.events(traceback.id) }),
      ]);
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = all
      ? { all: true, note: note.trim() || undefined }
      : { agencyIds, note: note.trim() || undefined };
    const parsed = ZReferralCreate.safeParse(body);
    if (!parsed.success) {
      const found = fieldErrorsOf(parsed.error.issues);
      if (!all && agencyIds.length === 0) found.agencyIds = 'Choose at least one agency, or all agencies';
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    refer.mutate(parsed.data);
  }

  const problem =
    refer.error && !(refer.error instanceof ApiError && Object.keys(refer.error.fieldErrors).length)
      ? refer.error.message
      : null;
  const agencyError = Object.entries(errors).find(
    ([k]) => k === 'agencyIds' || k.startsWith('agencyIds.'),
  )?.[1];
  return (
    <form onSubmit={submit} noValidate aria-label="Refer to agencies">
      <Stack gap="sm">
        <Text size="sm">
          Each agency&apos;s enforcement users will read this traceback — its path, timeline and the origin
          customer — until its referral is withdrawn, and its contacts are emailed a link. Every referral is
          recorded in the timeline.
        </Text>
        {problem && (
          <Alert color="red" role="alert" title="Not referred">
            {problem}
          </Alert>
        )}
        <Checkbox
          label="All agencies in the directory"
          checked={all}
          onChange={(e) => setAll(e.currentTarget.checked)}
          error={errors.all}
        />
        <MultiSelect
          label="Agencies"
          description="Choose one or several agencies from the directory"
          searchable
          disabled={all}
          data={(agencies.data ?? []).map((a) => ({
            value: a.id,
            label: a.jurisdiction ? `${a.name} (${a.jurisdiction})` : a.name,
          }))}
          value={agencyIds}
          onChange={setAgencyIds}
          error={all ? undefined : agencyError}
          data-autofocus
        />
        <Textarea
          label="Note for the agencies"
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
          <Button type="submit" loading={refer.isPending}>
            Refer
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
