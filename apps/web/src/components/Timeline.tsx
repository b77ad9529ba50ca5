import type { TEvent, THopSummary } from '@hoptrace/contracts';
import { Text, Timeline } from '@mantine/core';
import { useProviderNames } from '../api/queries';
import { describeEvent } from '../lib/labels';
import { DateTime } from './common';

const BULLET_COLOR: Record<string, string> = {
  'traceback.opened': 'blue',
  'hop.requested': 'blue',
  'hop.answered': 'teal',
  'hop.non_responsive': 'red',
  'hop.withdrawn': 'gray',
  'traceback.closed': 'dark',
  'traceback.reopened': 'blue',
  'traceback.flagged': 'grape',
  'provider.created': 'orange',
  'origin.viewed': 'gray',
};

/** The traceback's timeline, oldest first, one sentence per event. */
export function EventTimeline({ events, hops }: { events: TEvent[]; hops: THopSummary[] }) {
  const known = new Map(hops.map((h) => [h.providerId, h.providerName]));
  for (const e of events) {
    const id = e.data.providerId;
    if (typeof id === 'string' && typeof e.data.providerName === 'string') known.set(id, e.data.providerName);
    if (e.type === 'provider.created' && typeof id === 'string' && typeof e.data.name === 'string')
      known.set(id, e.data.name);
  }
  const unknown = events.flatMap((e) =>
    ['providerId', 'upstreamProviderId', 'namedBy']
      .map((k) => e.data[k])
      .filter((v): v is string => typeof v === 'string' && !known.has(v)),
  );
  const fetched = useProviderNames(unknown);
  const name = (id: string | undefined) =>
    id ? (known.get(id) ?? fetched.get(id) ?? 'a provider') : 'a provider';
  return (
    <Timeline bulletSize={14} lineWidth={2} active={events.length}>
      {events.map((e) => (
        <Timeline.Item
          key={e.id}
          color={BULLET_COLOR[e.type] ?? 'gray'}
          title={
            <Text size="sm" fw={600}>
              {describeEvent(e, name)}
            </Text>
          }
          data-event-type={e.type}
        >
          <Text size="xs" c="dimmed">
            <DateTime iso={e.at} /> · {e.actor}
          </Text>
          {typeof e.data.note === 'string' && (
            <Text size="sm" mt={2} style={{ whiteSpace: 'pre-wrap' }}>
              “{e.data.note}”
            </Text>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
