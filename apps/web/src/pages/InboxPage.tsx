import type { THop } from '@hoptrace/contracts';
import {
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  EmptyState,
  Group,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useHops } from '../api/queries';
import { BulkAnswers } from '../components/BulkAnswers';
import { CallTime, Countdown, DateTime, ErrorAlert, Loading, PageTitle, Phone } from '../components/common';
import { IconCheck, IconInbox } from '../components/icons';
import { ACTION_LABEL, answerLabel, CHANNEL_LABEL } from '../lib/labels';
import { useDeadlineZone } from '../session';

function CallLine({ hop }: { hop: THop }) {
  if (hop.forward)
    return (
      <Text size="sm">
        <Badge color="cyan" variant="light" tt="none" mr={6}>
          Forward request
        </Badge>
        Who is your customer behind <Phone e164={hop.forward.number} />?
      </Text>
    );
  return (
    <Text size="sm">
      <Phone e164={hop.call.callingNumber} /> called <Phone e164={hop.call.calledNumber} />
    </Text>
  );
}

/** Requests waiting for this provider's answer, the nearest deadline first. */
export function InboxPage() {
  const hops = useHops('pending');
  const zone = useDeadlineZone();
  // A provider marked non-responsive may still answer late, which resumes the traceback.
  const late = useHops('non_responsive');
  const items = [...(hops.data?.pages ?? []), ...(late.data?.pages ?? [])]
    .flatMap((p) => p.items)
    .filter((h) => h.can.answer)
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  // Only what is still listed counts: an answered request leaves the selection with the list.
  const selected = new Set(items.filter((h) => picked.has(h.id)).map((h) => h.id));
  const toggle = (id: string, on: boolean) =>
    setPicked((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  return (
    <>
      <PageTitle title="Inbox">Inbox</PageTitle>
      <Text c="dimmed" mb="md" maw={720}>
        Each request asks: for this call, which provider handed it to you? (A forward request asks instead
        which of your customers holds a number.) Answers are due 24 hours after the request is received
        (outside your business hours it counts as received when you next open). A late answer is still taken,
        and marked late.
      </Text>
      {hops.isPending && <Loading label="Loading your requests" />}
      {hops.isError && <ErrorAlert error={hops.error} />}
      {hops.isSuccess && items.length === 0 && (
        <EmptyState
          icon={<IconCheck size={28} />}
          variant="light"
          color="teal"
          title="Nothing waiting for you"
          description="New traceback requests for your provider appear here."
          py="xl"
        />
      )}
      {items.length > 0 && (
        <>
          <BulkAnswers selected={selected} hops={items} />
          <Checkbox
            my="sm"
            label={`Select all ${items.length} listed`}
            checked={selected.size === items.length}
            indeterminate={selected.size > 0 && selected.size < items.length}
            onChange={(e) => setPicked(e.currentTarget.checked ? new Set(items.map((h) => h.id)) : new Set())}
          />
        </>
      )}
      <Stack
        gap="sm"
        component="ul"
        p={0}
        m={0}
        style={{ listStyle: 'none' }}
        aria-label="Requests awaiting your answer"
      >
        {items.map((hop) => (
          <Card key={hop.id} withBorder component="li" padding="md" data-hop-id={hop.id}>
            <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
              <Group align="flex-start" gap="sm" wrap="nowrap">
                <Checkbox
                  mt={4}
                  checked={selected.has(hop.id)}
                  onChange={(e) => toggle(hop.id, e.currentTarget.checked)}
                  aria-label={
                    hop.forward
                      ? `Select the request about the number ${hop.forward.number}`
                      : `Select the request about the call from ${hop.call.callingNumber}`
                  }
                />
                <Stack gap={4}>
                  <Group gap="xs">
                    <Countdown dueAt={hop.dueAt} timeZone={zone} />
                    {hop.urgent && (
                      <Badge color="red" variant="filled" tt="none" data-urgent>
                        Urgent: a live threat, due within hours at any hour
                      </Badge>
                    )}
                    {hop.status === 'non_responsive' && (
                      <Badge color="red" variant="light" tt="none">
                        Marked non-responsive: a late answer reopens it
                      </Badge>
                    )}
                  </Group>
                  <CallLine hop={hop} />
                  <Text size="xs" c="dimmed">
                    {hop.forward ? 'Last heard' : 'Call at'} <CallTime iso={hop.call.startedAt} />
                    {hop.campaign ? ` · ${hop.campaign.name}` : ''}
                    {hop.forward
                      ? ''
                      : hop.namedBy
                        ? ` · named by ${hop.namedBy.providerName}`
                        : ' · you delivered the call'}
                  </Text>
                </Stack>
              </Group>
              <Button
                component={Link}
                to={`/hops/${hop.id}`}
                aria-label={
                  hop.forward
                    ? `Answer the request about the number ${hop.forward.number}`
                    : `Answer the request about the call from ${hop.call.callingNumber}`
                }
              >
                Answer
              </Button>
            </Group>
          </Card>
        ))}
      </Stack>
      {hops.hasNextPage && (
        <Button
          variant="subtle"
          mt="md"
          onClick={() => void hops.fetchNextPage()}
          loading={hops.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
    </>
  );
}

/** What this provider has answered, newest request first. */
export function AnsweredPage() {
  const hops = useHops('answered');
  const zone = useDeadlineZone();
  const items = hops.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle title="Answered">Answered requests</PageTitle>
      {hops.isPending && <Loading />}
      {hops.isError && <ErrorAlert error={hops.error} />}
      {hops.isSuccess && items.length === 0 && (
        <EmptyState
          icon={<IconInbox size={28} />}
          title="No answers yet"
          description="Requests you answer are listed here."
          py="xl"
        />
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
        {items.map((hop) => (
          <Card key={hop.id} withBorder padding="md">
            <Stack gap={4}>
              <Group gap="xs">
                <Badge color="teal" variant="light" tt="none">
                  {hop.answer ? answerLabel(hop.answer.kind, !!hop.forward) : 'Answered'}
                </Badge>
                {hop.answer?.action && (
                  <Badge color="gray" variant="light" tt="none">
                    {ACTION_LABEL[hop.answer.action]}
                  </Badge>
                )}
                {hop.late && (
                  <Badge color="orange" variant="filled" tt="none">
                    Late
                  </Badge>
                )}
              </Group>
              <CallLine hop={hop} />
              <Text size="xs" c="dimmed">
                Answered <DateTime iso={hop.answeredAt} compact timeZone={zone} />
                {hop.answeredVia ? ` via ${CHANNEL_LABEL[hop.answeredVia]}` : ''}
              </Text>
              <Anchor component={Link} to={`/hops/${hop.id}`} size="sm">
                View the request
              </Anchor>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
      {hops.hasNextPage && (
        <Button
          variant="subtle"
          mt="md"
          onClick={() => void hops.fetchNextPage()}
          loading={hops.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
    </>
  );
}
