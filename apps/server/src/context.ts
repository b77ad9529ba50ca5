import type { CommandContext } from '@hoptrace/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireActor } from './plugins/auth';

export type App = FastifyInstance;
export const typed = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

/** The command context for an authenticated request: who, which database, which clock. */
export function ctxOf(app: FastifyInstance, request: FastifyRequest): CommandContext {
  return { db: app.db, clock: app.clock, actor: requireActor(request), settings: app.settings };
}

export const bearer: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { cookieAuth: [] }];
