import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';
import { ZAgency } from './referrals';

export const ROLES = ['admin', 'analyst', 'provider', 'enforcement'] as const;
export type TRole = (typeof ROLES)[number];
export const API_KEY_SCOPES = ['api', 'dno'] as const;

export const ZPassword = z.string().min(12, 'must be at least 12 characters').max(256);

export const ZUserCreate = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    providerId: ZUuid.optional(),
    /** The agency an enforcement user acts for (required for that role, refused for the others). */
    agency: ZAgency.optional(),
    password: ZPassword.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'enforcement' && !v.agency)
      ctx.addIssue({ code: 'custom', path: ['agency'], message: 'an enforcement user must name its agency' });
    if (v.role !== 'enforcement' && v.agency)
      ctx.addIssue({ code: 'custom', path: ['agency'], message: 'only enforcement users act for an agency' });
    if (v.role === 'provider' && !v.providerId)
      ctx.addIssue({
        code: 'custom',
        path: ['providerId'],
        message: 'a provider user must name its provider',
      });
    if (v.role !== 'provider' && v.providerId)
      ctx.addIssue({
        code: 'custom',
        path: ['providerId'],
        message: 'only provider users are bound to a provider',
      });
  });
export type TUserCreate = z.infer<typeof ZUserCreate>;

/** An admin's change to a user: role and provider binding, name, disabled. */
export const ZUserPatch = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    role: z.enum(ROLES).optional(),
    /** The provider a provider user speaks for; null for other roles. */
    providerId: ZUuid.nullable().optional(),
    /** The agency an enforcement user acts for; null for other roles. */
    agency: ZAgency.nullable().optional(),
    /** A disabled user cannot sign in; their sessions and API keys stop working. */
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, {
    message: 'change at least one of name, role, providerId, agency, disabled',
  });
export type TUserPatch = z.infer<typeof ZUserPatch>;

export const ZPasswordChange = z
  .object({
    currentPassword: z.string().min(1, 'enter your current password').max(256),
    newPassword: ZPassword,
  })
  .superRefine((v, ctx) => {
    if (v.currentPassword === v.newPassword)
      ctx.addIssue({
        code: 'custom',
        path: ['newPassword'],
        message: 'must differ from the current password',
      });
  });
export type TPasswordChange = z.infer<typeof ZPasswordChange>;

export const ZUser = z.object({
  id: ZUuid,
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  providerId: ZUuid.nullable(),
  /** Present on an enforcement user: the agency whose referred tracebacks it reads. */
  agency: z.string().optional(),
  /** Present (true) on a disabled user. */
  disabled: z.boolean().optional(),
  createdAt: ZIsoDateTime,
});
export type TUser = z.infer<typeof ZUser>;

export const ZLogin = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(256),
});

export const ZApiKeyCreate = z.object({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(2).default(['api']),
});

export const ZApiKeyCreated = z.object({
  id: ZUuid,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: ZIsoDateTime,
  /** The key itself: shown once, stored only as a hash. */
  key: z.string(),
});
