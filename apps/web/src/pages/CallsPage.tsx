import { Anchor, Button, EmptyState, Group, Paper, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useCalls, useCampaigns, type CallFilters } from '../api/queries';
import { DateTime, ErrorAlert, Loading, PageTitle, Phone, ShowMore } from '../components/common';
import { IconSearch } from '../components/icons';
import { OpenFromCall } from '../components/OpenFromCall';
import { previewPhone } from '../lib/phoneInput';

/** The first words of a transcript, cut at a word. */
function opening(transcript: string | null, max = 120): string {
  if (!transcript) return '';
  const t = transcript.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 60 ? cut.lastIndexOf(' ') : max)}…`;
}

/** Call records as the feeds sent them, newest first: by a number (caller, called or spoken callback), or of a campaign. */
export function CallsPage() {
  const [params, setParams] = useSearchParams();
  const filters: CallFilters = {
    number: params.get('number') ?? undefined,
    campaignId: params.get('campaignId') ?? undefined,
    source: params.get('source') ?? undefined,
  };
  const list = useCalls(filters);
  const campaigns = useCampaigns();
  const campaignName = new Map((campaigns.data?.items ?? []).map((c) => [c.id, c.name]));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const [number, setNumber] = useState(filters.number ?? '');
  const [numberError, setNumberError] = useState<string | null>(null);
  const filtered = !!(filters.number || filters.campaignId || filters.source);

  function search(e: FormEvent) {
    e.preventDefault();
    const p = previewPhone(number);
    if (p.kind === 'error') {
      setNumberError(p.message);
      return;
    }
    setNumberError(null);
    const next = new URLSearchParams(params);
    if (p.kind === 'ok') next.set('number', p.e164);
    else next.delete('number');
    setParams(next, { replace: true });
  }

  return (
    <>
      <PageTitle title="Call records">Call records</PageTitle>
      <Paper withBorder p="sm" mb="md" component="section" aria-label="Filters">
        <Group align="flex-end" gap="sm">
          <form onSubmit={search} role="search" aria-label="Search calls by number">
            <TextInput
              label="Caller, called or callback number"
              placeholder="(202) 555-0143"
              type="search"
              w={300}
              value={number}
              onChange={(e) => setNumber(e.currentTarget.value)}
              error={numberError}
              rightSection={
                <Button type="submit" variant="subtle" size="compact-sm" aria-label="Search by number" px={6}>
                  <IconSearch size={16} />
                </Button>
              }
              rightSectionWidth={40}
            />
          </form>
          {filters.campaignId && (
            <Text size="sm">
              Of the campaign{' '}
              <Anchor component={Link} to={`/campaigns/${filters.campaignId}`}>
                {campaignName.get(filters.campaignId) ?? 'shown'}
              </Anchor>
            </Text>
          )}
          {filtered && (
            <Button
              variant="subtle"
              onClick={() => {
                setNumber('');
                setNumberError(null);
                setParams(new URLSearchParams(), { replace: true });
              }}
            >
              Clear filters
            </Button>
          )}
        </Group>
      </Paper>
      {list.isPending && <Loading label="Loading calls" />}
      {list.isError && <ErrorAlert error={list.error} />}
      {list.isSuccess && items.length === 0 && (
        <EmptyState
          icon={<IconSearch size={28} />}
          title={filtered ? 'No call matches' : 'No call records yet'}
          description={
            filtered
              ? 'Try the number in another form, or clear the filters.'
              : 'Feeds send their calls to /api/v1/calls; they appear here as they arrive.'
          }
          py="xl"
        />
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={960}>
          <Table striped verticalSpacing="xs" aria-label="Call records">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Call</Table.Th>
                <Table.Th>Caller</Table.Th>
                <Table.Th>Called</Table.Th>
                <Table.Th>Feed</Table.Th>
                <Table.Th>Campaign</Table.Th>
                <Table.Th>What was said</Table.Th>
                <Table.Th>Trace</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.id} data-call-id={c.id}>
                  <Table.Td>
                    <Text size="sm">
                      <DateTime iso={c.startedAt} compact dateOnly={c.startedAtPrecision === 'day'} />
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.callingNumber ? <Phone e164={c.callingNumber} /> : 'withheld'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.calledNumber ? <Phone e164={c.calledNumber} /> : '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.source}</Text>
                  </Table.Td>
                  <Table.Td maw={220}>
                    {c.campaignId ? (
                      <Anchor component={Link} to={`/campaigns/${c.campaignId}`} size="sm" lineClamp={2}>
                        {campaignName.get(c.campaignId) ?? 'Its campaign'}
                      </Anchor>
                    ) : (
                      <Text size="sm">—</Text>
                    )}
                  </Table.Td>
                  <Table.Td maw={360}>
                    <Text size="sm" title={c.transcript ?? undefined}>
                      {opening(c.transcript) || '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <OpenFromCall
                      call={c}
                      campaignId={c.campaignId}
                      label="Trace"
                      size="xs"
                      variant="light"
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMore list={list} centered />
    </>
  );
}
