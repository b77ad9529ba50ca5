import type { THop } from '@hoptrace/contracts';
import { Paper, SimpleGrid, Text } from '@mantine/core';
import { CallTime, DateTime, Field, Phone } from './common';
import { HopCampaign } from './HopCampaign';

/**
 * What a forward request asks its provider: not about a call, but whose customer holds a number it
 * holds (the callback number a robocall campaign tells people to call).
 */
export function ForwardQuestion({
  hop,
  forward,
  zone,
}: {
  hop: THop;
  forward: NonNullable<THop['forward']>;
  /** The provider's own zone, for its deadline. */
  zone: string | undefined;
}) {
  return (
    <Paper withBorder p="md" data-testid="forward-question">
      <Text mb="sm">
        A robocall campaign tells the people it calls to call back <Phone e164={forward.number} />, a number
        you hold. <b>Who is your customer behind this number?</b>
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0} spacing="sm">
        <Field label="Number">
          <Phone e164={forward.number} />
        </Field>
        <Field label="Last heard in the campaign's calls">
          <CallTime iso={forward.lastHeardAt} />
        </Field>
        <Field label="Requested">
          <DateTime iso={hop.requestedAt} timeZone={zone} />
        </Field>
        <Field label="Due">
          <DateTime iso={hop.dueAt} timeZone={zone} />
        </Field>
      </SimpleGrid>
      <HopCampaign campaign={hop.campaign} />
    </Paper>
  );
}
