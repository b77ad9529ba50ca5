import { errorForLog, redactText } from '@hoptrace/db';
import type { FastifyServerOptions } from 'fastify';
import type { LoggerOptions } from 'pino';

/** A request as the access log shows it: the path, and the query's names without their values. */
export function urlForLog(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=…`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * The server's pino options. Every thrown error is logged through `errorForLog` (@hoptrace/db): no statement
 * parameters, no database detail echoing row values, secrets and hashes masked; request URLs without their
 * query values (a search may be a customer's name or a phone number); and every message string through
 * `redactText`, for the framework's own messages.
 */
export function safeLoggerOptions(base: Record<string, unknown> = {}): FastifyServerOptions['logger'] {
  const options: LoggerOptions = {
    ...base,
    serializers: {
      ...((base.serializers as Record<string, unknown> | undefined) ?? {}),
      err: errorForLog,
      error: errorForLog,
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: urlForLog(req.url ?? ''),
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((a: unknown) => (typeof a === 'string' ? redactText(a) : a));
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
  };
  return options;
}
