import type { THop } from '@hoptrace/contracts';
import { Alert, Text } from '@mantine/core';
import { CATEGORY_LABEL } from '../lib/labels';

/** The campaign a hop's request belongs to, as the provider answering it sees it. */
export function HopCampaign({ campaign }: { campaign: THop['campaign'] }) {
  if (!campaign) return null;
  return (
    // A description, not an alert: Mantine's Alert is role="alert" unless told otherwise.
    <Alert variant="light" color="gray" mt="md" role="note" title={`Campaign: ${campaign.name}`}>
      {campaign.category && (
        <Text size="xs" c="dimmed" mb={4}>
          {CATEGORY_LABEL[campaign.category] ?? campaign.category}
        </Text>
      )}
      <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
        {campaign.description}
      </Text>
    </Alert>
  );
}
