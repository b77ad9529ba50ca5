import type { TTraceback, TTracebackShaken } from '@hoptrace/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { Link } from 'react-router';
import { idempotencyKey, post } from '../api/client';
import { keys } from '../api/queries';
import { ACTION_LABEL, FLAG_LABEL } from '../lib/labels';
import { DateTime, ErrorAlert, Field, HopStatus } from './common';
import { IconLock } from './icons';

/** Inconsistency codes in words (the same words as every traceback flag). */
export const INCONSISTENCY_LABEL: Record<string, string> = FLAG_LABEL;

const VERDICT: Record<TTracebackShaken['verdict'], { label: string; color: string }> = {
  valid: { label: 'Signature valid', color: 'teal' },
  invalid: { label: 'Signature invalid', color: 'red' },
  error: { label: 'Could not verify', color: 'gray' },
};

const ATTEST_HELP: Record<string, string> = {
  A: 'A: full attestation — the signer knows the customer and that it may use the number',
  B: 'B: partial — the signer knows the customer, not its right to the number',
  C: 'C: gateway — the signer only knows where the call entered its network',
};

/**
 * The call's STIR/SHAKEN signature as hoptrace verified it at the call time: verdict, attestation,
 * the signer and its line of inquiry beside the path, failed checks and inconsistencies (staff view).
 */
export function ShakenPanel({ traceback: t }: { traceback: TTraceback }) {
  const s = t.shaken;
  if (!s) return null;
  const signerHops = t.hops.filter((h) => h.line === 'signer');
  const verdict = VERDICT[s.verdict];
  return (
    <Paper component="section" withBorder p="md" aria-labelledby="shaken-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="shaken-title">
          STIR/SHAKEN
        </Title>
        {s.can.requestSignerHop && <AskSigner tracebackId={t.id} />}
      </Group>
      <Stack gap="sm">
        <Group gap="xs">
          <Badge color={verdict.color} variant="light" tt="none" data-testid="shaken-verdict">
            {verdict.label}
          </Badge>
          {s.attest && (
            <Badge variant="outline" tt="none" title={ATTEST_HELP[s.attest]}>
              Attestation {s.attest}
            </Badge>
          )}
          {s.inconsistencies.map((c) => (
            <Badge key={c} color="grape" variant="light" tt="none">
              {INCONSISTENCY_LABEL[c] ?? c}
            </Badge>
          ))}
        </Group>
        {s.reason && (
          <Text size="sm" c="dimmed">
            {s.reason}
          </Text>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} component="dl" m={0} spacing="sm">
          <Field label="Signer">
            {s.signer ? (
              <Anchor component={Link} to={`/providers/${s.signer.providerId}`} size="sm">
                {s.signer.name}
              </Anchor>
            ) : s.spc ? (
              'Not in the directory'
            ) : (
              '—'
            )}
            {s.spc && (
              <Text span size="xs" c="dimmed">
                {' '}
                · SPC {s.spc}
              </Text>
            )}
          </Field>
          <Field label="Origination ID (origid)">{s.origid ? <Code>{s.origid}</Code> : '—'}</Field>
          <Field label="Verified">
            <DateTime iso={s.verifiedAt} />
          </Field>
          <Field label="Checks">
            {s.checks.passed} passed · {s.checks.failed} failed
            {s.checks.indeterminate ? ` · ${s.checks.indeterminate} indeterminate` : ''}
          </Field>
          <Field label="Certificate">
            {s.certificate ? (
              <Text span size="sm" title={s.certificate.issuer}>
                {s.certificate.subject}
              </Text>
            ) : (
              '—'
            )}
          </Field>
          <Field label="Verstat">{s.verstat}</Field>
        </SimpleGrid>
        {s.failedChecks.length > 0 && (
          <Alert
            color={s.verdict === 'invalid' ? 'red' : 'gray'}
            variant="light"
            title="Checks that did not pass"
          >
            <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
              {s.failedChecks.map((c) => (
                <li key={c.code}>
                  <Text size="sm">
                    <Code>{c.code}</Code> {c.detail}
                    {c.sip ? ` (SIP ${c.sip})` : ''}
                  </Text>
                </li>
              ))}
            </Stack>
          </Alert>
        )}
        {signerHops.length > 0 && (
          <div>
            <Text size="xs" c="dimmed" fw={600} tt="uppercase" mb={4}>
              Signer line
            </Text>
            <Stack gap={4} component="ol" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Signer line">
              {signerHops.map((h) => (
                <li key={h.id}>
                  <Group gap="xs">
                    <Text size="sm">{h.providerName}</Text>
                    <HopStatus status={h.status} />
                    {h.answer && (
                      <Text size="sm" c="dimmed">
                        {h.answer.kind === 'origin'
                          ? 'confirms it originated the call'
                          : h.answer.kind === 'upstream'
                            ? 'says the call came from upstream'
                            : 'has no record of the call'}
                      </Text>
                    )}
                  </Group>
                </li>
              ))}
            </Stack>
          </div>
        )}
        {t.signerOrigin && <SignerClaim traceback={t} claim={t.signerOrigin} />}
      </Stack>
    </Paper>
  );
}

/**
 * The signer's own origin answer: its claim about the call it signed, shown beside the path's result
 * and never as the traceback's origin (CPNI: only present for those policies.readOrigin allows).
 */
function SignerClaim({
  traceback: t,
  claim,
}: {
  traceback: TTraceback;
  claim: NonNullable<TTraceback['signerOrigin']>;
}) {
  const signer = t.hops.find((h) => h.id === claim.hopId)?.providerName ?? 'The signer';
  const agrees = t.origin ? t.origin.providerId === claim.providerId : null;
  return (
    <Paper withBorder p="sm" bg="yellow.0" data-testid="signer-claim" aria-label="The signer's claim">
      <Group gap="xs" mb={4}>
        <IconLock />
        <Text fw={600} size="sm">
          The signer's claim (CPNI)
        </Text>
        {agrees !== null && (
          <Badge color={agrees ? 'teal' : 'grape'} variant="light" tt="none">
            {agrees ? 'Same provider as the path origin' : 'Differs from the path origin'}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" mb="xs">
        {signer} says the call originated with its customer. This is the signer's answer on its own line; the
        traceback's origin comes from the path.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} component="dl" m={0} spacing="sm">
        <Field label="Customer">{claim.customer.name}</Field>
        <Field label="Address">{claim.customer.address ?? '—'}</Field>
        <Field label="Contact">{claim.customer.contact ?? '—'}</Field>
        <Field label="Account">{claim.customer.accountRef ?? '—'}</Field>
        <Field label="Action taken">{ACTION_LABEL[claim.action]}</Field>
      </SimpleGrid>
    </Paper>
  );
}

function AskSigner({ tracebackId }: { tracebackId: string }) {
  const queryClient = useQueryClient();
  const attempt = useRef(idempotencyKey());
  const ask = useMutation({
    mutationFn: () =>
      post<TTraceback>(
        `/tracebacks/${tracebackId}/actions`,
        { action: 'request_signer_hop' },
        { idempotencyKey: attempt.current },
      ),
    onSuccess: async (tb) => {
      queryClient.setQueryData(keys.traceback(tb.id), tb);
      notifications.show({
        color: 'teal',
        title: 'Done',
        message: 'The signer has been asked to confirm the origin',
      });
      await queryClient.invalidateQueries({ queryKey: keys.events(tb.id) });
    },
  });
  return (
    <Stack gap={4} align="flex-end">
      <Button variant="light" loading={ask.isPending} onClick={() => ask.mutate()}>
        Ask the signer
      </Button>
      {ask.isError && <ErrorAlert error={ask.error} title="Could not ask the signer" />}
    </Stack>
  );
}
