import { z } from 'zod';

export const ZUuid = z.uuid();
export const ZIsoDateTime = z.iso.datetime({ offset: true });

/** Cursor pagination: `{ items, nextCursor }`; pass nextCursor back as `cursor` for the next page. */
export const ZPageQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TPageQuery = z.infer<typeof ZPageQuery>;

export function ZPage<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** RFC 9457 problem details; `errors` lists field errors with a path into the request. */
export const ZProblem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type TProblem = z.infer<typeof ZProblem>;

export const ZIdParams = z.object({ id: ZUuid });
