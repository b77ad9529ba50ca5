import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

export const CAMPAIGN_CATEGORIES = [
  'government_impersonation',
  'business_impersonation',
  'auto_warranty',
  'financial',
  'health',
  'utilities',
  'political',
  'other',
] as const;

export const ZCampaignCreate = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(5000),
  category: z.enum(CAMPAIGN_CATEGORIES).optional(),
});
export type TCampaignCreate = z.infer<typeof ZCampaignCreate>;

export const ZCampaign = z.object({
  id: ZUuid,
  name: z.string(),
  description: z.string(),
  category: z.string().nullable(),
  createdAt: ZIsoDateTime,
});
export type TCampaign = z.infer<typeof ZCampaign>;
