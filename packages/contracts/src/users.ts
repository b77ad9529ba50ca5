import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

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
    /** The agency (of the directory) an enforcement user acts for (required for that role, refused for the others). */
    agencyId: ZUuid.optional(),
    password: ZPassword.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'enforcement' && !v.agencyId)
      ctx.addIssue({
        code: 'custom',
        path: ['agencyId'],
        message: 'an enforcement user must name its agency',
      });
    if (v.role !== 'enforcement' && v.agencyId)
      ctx.addIssue({
        code: 'custom',
        path: ['agencyId'],
        message: 'only enforcement users act for an agency',
      });
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
    agencyId: ZUuid.nullable().optional(),
    /** A disabled user cannot sign in; their sessions and API keys stop working. */
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, {
    message: 'change at least one of name, role, providerId, agencyId, disabled',
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
  /** Present on an enforcement user: the agency whose referred tracebacks it reads (id and name). */
  agencyId: ZUuid.optional(),
  agency: z.string().optional(),
  /** Present (true) on a disabled user. */
  disabled: z.boolean().optional(),
  createdAt: ZIsoDateTime,
});
export type TUser = z.infer<typeof ZUser>;

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

export const ZLogin = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(256),
});

// --- Second factor (TOTP, RFC 6238) and sessions: decision 0020 ---------------------------------------

/** Crockford's base32 (no i, l, o, u): what recovery codes are written in. */
const RECOVERY_ALPHABET = /^[0-9abcdefghjkmnpqrstvwxyz]{16}$/;

/**
 * What a person typed as a second factor, made comparable: a 6-digit code from the app (spaces allowed), or
 * a recovery code `xxxx-xxxx-xxxx-xxxx` (any case, hyphens and spaces optional, i/l read as 1 and o as 0).
 * Null when it is neither.
 */
export function normalizeSecondFactorCode(
  raw: string,
): { kind: 'totp'; code: string } | { kind: 'recovery'; code: string } | null {
  const compact = raw.replace(/[\s-]/g, '').toLowerCase();
  if (/^\d{6}$/.test(compact)) return { kind: 'totp', code: compact };
  const recovery = compact.replace(/[il]/g, '1').replace(/o/g, '0');
  if (RECOVERY_ALPHABET.test(recovery)) return { kind: 'recovery', code: recovery };
  return null;
}

/** The 6-digit code an authenticator app shows (spaces allowed: apps often show `123 456`). */
export const ZTotpCode = z
  .string()
  .max(64)
  .refine((v) => normalizeSecondFactorCode(v)?.kind === 'totp', {
    message: 'enter the 6-digit code from your authenticator app',
  });

/** A code from the app, or one of the recovery codes in its place. */
export const ZSecondFactorCode = z
  .string()
  .max(64)
  .refine((v) => normalizeSecondFactorCode(v) !== null, {
    message: 'enter the 6-digit code from your authenticator app, or a recovery code (xxxx-xxxx-xxxx-xxxx)',
  });

/** The token `POST /auth/login` hands out when a second factor is needed: `htc_` and 43 base64url characters. */
export const ZChallenge = z
  .string()
  .max(100)
  .regex(/^htc_[A-Za-z0-9_-]{43}$/, 'is not a sign-in challenge from POST /auth/login');

/**
 * What `POST /auth/login` answers with a correct password: the user (signed in, the cookie is set), or the
 * next step: a code (`mfaRequired`), or setting up a second factor first (`mfaEnrollmentRequired`, when
 * HOPTRACE_REQUIRE_MFA covers the user's role and none is set up).
 */
export const ZLoginResult = z.union([
  z.object({ user: ZUser }),
  z.object({ mfaRequired: z.literal(true), challenge: z.string(), expiresAt: ZIsoDateTime }),
  z.object({ mfaEnrollmentRequired: z.literal(true), challenge: z.string(), expiresAt: ZIsoDateTime }),
]);
export type TLoginResult = z.infer<typeof ZLoginResult>;

export const ZLoginTotp = z.object({ challenge: ZChallenge, code: ZSecondFactorCode });
export const ZLoginEnrolSetup = z.object({ challenge: ZChallenge });
export const ZLoginEnrolEnable = z.object({ challenge: ZChallenge, code: ZTotpCode });

export const ZTotpSetup = z.object({
  /** The secret in base32, to type into an app that cannot scan the QR code. Shown during setup only. */
  secret: z.string(),
  otpauthUrl: z.string(),
});
export type TTotpSetup = z.infer<typeof ZTotpSetup>;
export const ZTotpEnable = z.object({ code: ZTotpCode });
export const ZTotpDisable = z.object({ code: ZSecondFactorCode });
export const ZRecoveryCodes = z.object({
  /** Shown once; only their hashes are kept. Each one signs in once in place of a code. */
  recoveryCodes: z.array(z.string()),
});
export const ZTotpStatus = z.object({
  enabled: z.boolean(),
  enabledAt: ZIsoDateTime.nullable(),
  recoveryCodesLeft: z.number().int(),
  /** HOPTRACE_REQUIRE_MFA covers this user's role: without a second factor, the next sign-in sets one up. */
  required: z.boolean(),
});
export type TTotpStatus = z.infer<typeof ZTotpStatus>;

export const ZSession = z.object({
  id: ZUuid,
  /** Browser and system, read from the User-Agent at sign-in ("Chrome 126 on macOS"). */
  device: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: ZIsoDateTime,
  lastUsedAt: ZIsoDateTime,
  /** When it ends unless used before: the idle timeout from the last use, or its absolute end if sooner. */
  expiresAt: ZIsoDateTime,
  /** The session this request was made with. */
  current: z.boolean(),
});
export type TSession = z.infer<typeof ZSession>;
export const ZSessionList = z.object({ items: z.array(ZSession) });
export const ZSessionsEnded = z.object({ ended: z.number().int() });
