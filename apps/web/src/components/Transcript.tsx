import type { TCampaignCallSample } from '@hoptrace/contracts';
import { Text } from '@mantine/core';

type Segment = TCampaignCallSample['segments'][number];

const KIND_LABEL: Record<Exclude<Segment['kind'], 'fixed'>, string> = {
  number: 'a number',
  amount: 'an amount',
  date: 'a date',
  time: 'a time',
  phone: 'a phone number',
  name: 'a name',
  code: 'a code',
};

/**
 * A call's transcript as its campaign sees it: what every call says, and the parts that vary
 * (names, amounts, numbers, dates) marked, each titled with what it is.
 */
export function Transcript({ segments, lineClamp }: { segments: Segment[]; lineClamp?: number }) {
  if (!segments.length)
    return (
      <Text size="sm" c="dimmed">
        No transcript.
      </Text>
    );
  return (
    <Text size="sm" lineClamp={lineClamp} className="transcript" data-testid="transcript">
      {segments.map((s, i) =>
        s.kind === 'fixed' ? (
          <span key={i}>{s.text}</span>
        ) : (
          <mark key={i} title={`Varies: ${KIND_LABEL[s.kind]}`} data-kind={s.kind}>
            {s.text}
          </mark>
        ),
      )}
    </Text>
  );
}
