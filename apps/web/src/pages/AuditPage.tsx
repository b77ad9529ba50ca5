import type { TAuditEntry } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Code,
  CopyButton,
  Button,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { useAudit, useAuditHeads } from '../api/queries';
import { DateTime, ErrorAlert, Loading, PageTitle, SectionCard, ShowMore } from '../components/common';

/** Where a subject of the ledger lives in the portal, when it has a page. */
function subjectLink(subject: TAuditEntry['subject']): string | null {
  if (!subject.id) return null;
  switch (subject.type) {
    case 'traceback':
      return `/tracebacks/${subject.id}`;
    case 'provider':
      return `/providers/${subject.id}`;
    case 'campaign':
      return `/campaigns/${subject.id}`;
    default:
      return null;
  }
}

function Subject({ subject }: { subject: TAuditEntry['subject'] }) {
  const to = subjectLink(subject);
  const label = subject.id
    ? `${subject.type} ${subject.id.length > 12 ? `${subject.id.slice(0, 8)}…` : subject.id}`
    : subject.type;
  return to ? (
    <Anchor component={Link} to={to} size="sm">
      {label}
    </Anchor>
  ) : (
    <Text size="sm">{label}</Text>
  );
}

/** The details of an entry on one line each (what changed; never customer details, secrets or hashes). */
function Details({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return <Text c="dimmed">—</Text>;
  return (
    <Stack gap={0}>
      {entries.slice(0, 6).map(([k, v]) => (
        <Text key={k} size="xs" style={{ wordBreak: 'break-word' }}>
          <Text span c="dimmed" size="xs">
            {k}:
          </Text>{' '}
          {typeof v === 'string' ? v : JSON.stringify(v)}
        </Text>
      ))}
      {entries.length > 6 && (
        <Text size="xs" c="dimmed">
          and {entries.length - 6} more
        </Text>
      )}
    </Stack>
  );
}

function HeadLine({ label, seq, hash }: { label: string; seq: number; hash: string }) {
  const value = `${seq}:${hash}`;
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" w={130}>
        {label}
      </Text>
      <Code style={{ overflowWrap: 'anywhere' }}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button
            size="compact-xs"
            variant="light"
            onClick={copy}
            aria-label={`Copy the ${label.toLowerCase()}`}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/**
 * The audit ledger (decision 0024), for admins: every change and every read of customer details, newest
 * first, filtered by who, what and on what; the chain's head to keep elsewhere.
 */
export function AuditPage() {
  const [actor, setActor] = useState('');
  const [subject, setSubject] = useState('');
  const [action, setAction] = useState('');
  const [filters] = useDebouncedValue(
    {
      actor: actor.trim() || undefined,
      subject: subject.trim() || undefined,
      action: action.trim() || undefined,
    },
    300,
  );
  const audit = useAudit(filters);
  const heads = useAuditHeads();
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle title="Audit ledger">Audit ledger</PageTitle>
      <SectionCard title="Chain">
        <Text size="sm" c="dimmed" mb="xs">
          Each entry's hash covers the one before it. Keep a copy of a head outside hoptrace;{' '}
          <Code>hoptrace audit verify --head SEQ:HASH</Code> checks later that the chain still holds it.
        </Text>
        {heads.isError && <ErrorAlert error={heads.error} />}
        {heads.data?.current && <HeadLine label="Head now" {...heads.data.current} />}
        {heads.data &&
          (heads.data.published ? (
            <Group gap="xs" mt={4}>
              <HeadLine label="Last published" {...heads.data.published} />
              {heads.data.published.publishedAt && (
                <Text size="xs" c="dimmed">
                  <DateTime iso={heads.data.published.publishedAt} />
                </Text>
              )}
            </Group>
          ) : (
            <Text size="sm" mt={4}>
              No head published yet: the worker publishes it every hour (HOPTRACE_AUDIT_HEAD_MINUTES).
            </Text>
          ))}
      </SectionCard>
      <Group my="md" align="flex-end">
        <TextInput
          label="Who"
          description="Email, system label or user id"
          value={actor}
          onChange={(e) => setActor(e.currentTarget.value)}
          w={260}
        />
        <TextInput
          label="Action"
          description="e.g. hop.answered, or hop. for all"
          value={action}
          onChange={(e) => setAction(e.currentTarget.value)}
          w={220}
        />
        <TextInput
          label="Subject"
          description="type:id, a type, or an id"
          value={subject}
          onChange={(e) => setSubject(e.currentTarget.value)}
          w={300}
        />
      </Group>
      {audit.isPending && <Loading />}
      {audit.isError && (
        <Alert color="red" title="Could not read the ledger">
          <ErrorAlert error={audit.error} />
        </Alert>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped aria-label="Audit ledger entries" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Details</Table.Th>
                <Table.Th>Hash</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => (
                <Table.Tr key={e.seq}>
                  <Table.Td>{e.seq}</Table.Td>
                  <Table.Td>
                    <DateTime iso={e.at} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component="button" size="sm" onClick={() => setActor(e.actorUserId ?? e.actor)}>
                      {e.actor}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" tt="none" color={e.action === 'origin.viewed' ? 'orange' : 'blue'}>
                      {e.action}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Subject subject={e.subject} />
                  </Table.Td>
                  <Table.Td maw={360}>
                    <Details details={e.details} />
                  </Table.Td>
                  <Table.Td>
                    <Code title={e.hash}>{e.hash.slice(0, 12)}…</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {audit.isSuccess && items.length === 0 && <Text c="dimmed">No entry matches.</Text>}
      <ShowMore list={audit} centered />
    </>
  );
}
