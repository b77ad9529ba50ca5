import type { Transport } from './agent';

/** The part of a Fastify app the in-process transport needs (`app.inject`). */
export interface Injectable {
  inject(opts: {
    method: 'GET' | 'POST';
    url: string;
    payload?: string;
    headers?: Record<string, string>;
  }): Promise<{ statusCode: number; body: string }>;
}

/** An agent's transport to an app in the same process: the whole HTTP stack, without a socket. */
export function injectTransport(app: Injectable, key: string): Transport {
  return async ({ method, path, body, headers }) => {
    const res = await app.inject({
      method,
      url: `/api/v1${path}`,
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      // not JSON: keep the text for the log
    }
    return { status: res.statusCode, body: parsed };
  };
}
