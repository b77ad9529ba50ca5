import { Anchor, Button, Group, SegmentedControl, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { post } from '../api/client';
import { useRmdProposals } from '../api/queries';
import { DateTime, ErrorAlert, FormError, Loading, PageTitle } from '../components/common';
import type { TRmdProposal } from '../lib/contracts';

type Status = 'pending' | 'accepted' | 'rejected';

/** Why the import proposed the match, in words (the registry's match reasons). */
function reasonText(reason: unknown): string {
  const r = (reason ?? {}) as Record<string, unknown>;
  switch (r.kind) {
    case 'filing_number':
      return `same filing number ${String(r.value)}`;
    case 'frn':
      return `same FRN ${String(r.value)}`;
    case 'other_frn':
      return `the provider's FRN ${String(r.value)} is one of the filing's other FRNs`;
    case 'same_name':
      return `same name ("${String(r.filingName)}")`;
    case 'similar_name':
      return `similar names ("${String(r.filingName)}" and "${String(r.providerName)}", ${Math.round(Number(r.similarity) * 100)}%)`;
    default:
      return typeof r.kind === 'string' ? r.kind.replace(/_/g, ' ') : 'no reason given';
  }
}

function Decide({ proposal }: { proposal: TRmdProposal }) {
  const queryClient = useQueryClient();
  const decide = useMutation({
    mutationFn: (decision: 'accept' | 'reject') =>
      post<{ status: Status }>(`/rmd/proposals/${proposal.id}`, { decision }),
    onSuccess: async (r) => {
      notifications.show({
        color: 'teal',
        title: r.status === 'accepted' ? 'Linked to the filing' : 'Proposal rejected',
        message: `${proposal.provider.name} · ${proposal.filing.filingNumber ?? proposal.filing.businessName ?? ''}`,
      });
      await queryClient.invalidateQueries({ queryKey: ['rmd-proposals'] });
      await queryClient.invalidateQueries({ queryKey: ['provider', proposal.provider.id] });
    },
  });
  return (
    <>
      <Group gap="xs" wrap="nowrap">
        <Button
          size="xs"
          loading={decide.isPending && decide.variables === 'accept'}
          disabled={decide.isPending}
          onClick={() => decide.mutate('accept')}
          aria-label={`Accept: link ${proposal.provider.name} to ${proposal.filing.filingNumber ?? 'the filing'}`}
        >
          Accept
        </Button>
        <Button
          size="xs"
          variant="light"
          color="red"
          loading={decide.isPending && decide.variables === 'reject'}
          disabled={decide.isPending}
          onClick={() => decide.mutate('reject')}
          aria-label={`Reject the match of ${proposal.provider.name} and ${proposal.filing.filingNumber ?? 'the filing'}`}
        >
          Reject
        </Button>
      </Group>
      <FormError error={decide.error} />
    </>
  );
}

/**
 * Weak matches an RMD import found between its filings and directory providers (same or similar name,
 * an affiliate's FRN), for an admin to accept (the provider is linked to the filing) or reject.
 */
export function RmdProposalsPage() {
  const [status, setStatus] = useState<Status>('pending');
  const proposals = useRmdProposals(status);
  return (
    <>
      <PageTitle title="RMD matches">RMD matches to review</PageTitle>
      <Text c="dimmed" mb="md" maw={720}>
        An import of the FCC&apos;s Robocall Mitigation Database links a provider to its filing when the
        filing names the provider&apos;s own filing number or FRN. Weaker matches wait here: accept one to
        link the provider to the filing, or reject it.
      </Text>
      <SegmentedControl
        mb="md"
        value={status}
        onChange={setStatus}
        aria-label="Which proposals"
        data={[
          { value: 'pending', label: 'To review' },
          { value: 'accepted', label: 'Accepted' },
          { value: 'rejected', label: 'Rejected' },
        ]}
      />
      {proposals.isPending && <Loading label="Loading the proposals" />}
      {proposals.isError && <ErrorAlert error={proposals.error} />}
      {proposals.isSuccess && proposals.data.length === 0 && (
        <Text c="dimmed">
          {status === 'pending' ? 'Nothing to review: every import so far matched clearly.' : 'None.'}
        </Text>
      )}
      {proposals.isSuccess && proposals.data.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="RMD match proposals" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Provider</Table.Th>
                <Table.Th>RMD filing</Table.Th>
                <Table.Th>Why</Table.Th>
                <Table.Th>Score</Table.Th>
                <Table.Th>Proposed</Table.Th>
                <Table.Th>{status === 'pending' ? 'Decision' : 'Status'}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {proposals.data.map((p) => (
                <Table.Tr key={p.id} data-proposal-id={p.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/providers/${p.provider.id}`}>
                      {p.provider.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {p.filing.businessName ?? '—'}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {[p.filing.filingNumber, p.filing.frn && `FRN ${p.filing.frn}`]
                        .filter(Boolean)
                        .join(' · ')}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {p.reasons.map((r, i) => (
                      <Text size="sm" key={i}>
                        {reasonText(r)}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td className="tabular">{Math.round(p.score * 100) / 100}</Table.Td>
                  <Table.Td>
                    <DateTime iso={p.createdAt} compact />
                  </Table.Td>
                  <Table.Td>{p.status === 'pending' ? <Decide proposal={p} /> : p.status}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
