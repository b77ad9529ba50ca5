import type { TProblem } from '@hoptrace/contracts';
import { problemFieldErrors, type FieldErrors } from '../lib/forms';

/** An answer from the API that is not 2xx, carrying its RFC 9457 problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: TProblem | null,
  ) {
    super(problem?.detail ?? problem?.title ?? `the server answered ${status}`);
  }
  get fieldErrors(): FieldErrors {
    return problemFieldErrors(this.problem);
  }
}

export const isApiError = (e: unknown, status?: number): e is ApiError =>
  e instanceof ApiError && (status === undefined || e.status === status);

/**
 * The token of a one-hop email link, while the link's page is open: requests
 * then speak for that hop only (`Authorization: HopLink …`), signed in or not.
 */
let linkToken: string | null = null;
export function setLinkToken(token: string | null): void {
  linkToken = token;
}

/** Told when a request comes back 401: the session has expired or was signed out elsewhere. */
let onUnauthenticated: (() => void) | undefined;
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

/** A fresh key per attempt; retrying the same attempt (double click, flaky network) is then harmless. */
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal | undefined;
  /** Login and "who am I" handle 401 themselves. */
  quiet401?: boolean;
  /** The browser's HTTP cache mode: `reload` skips a cached answer (public statistics are cacheable). */
  cache?: RequestCache;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  if (linkToken) headers.authorization = `HopLink ${linkToken}`;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
    signal: opts.signal ?? null,
    ...(opts.cache ? { cache: opts.cache } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    // A refused link says nothing about the session.
    if (res.status === 401 && !opts.quiet401 && !linkToken) onUnauthenticated?.();
    throw new ApiError(res.status, isProblem(data) ? data : null);
  }
  return data as T;
}

function isProblem(v: unknown): v is TProblem {
  return typeof v === 'object' && v !== null && 'status' in v && 'title' in v;
}

/** Sends a file as the raw body (no multipart): `Content-Type` is the file's, its name goes in the query. */
export async function uploadFile<T>(
  path: string,
  file: Blob,
  contentType: string,
  method: 'POST' | 'PUT' = 'POST',
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': contentType };
  if (linkToken) headers.authorization = `HopLink ${linkToken}`;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: file,
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, isProblem(data) ? data : null);
  return data as T;
}

/** Downloads a file the API serves (an attachment), with the link's token when a link page is open. */
export async function downloadFile(path: string): Promise<Blob> {
  const headers: Record<string, string> = {};
  if (linkToken) headers.authorization = `HopLink ${linkToken}`;
  const res = await fetch(`/api/v1${path}`, { headers, credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, null);
  return res.blob();
}

/** Hands a blob to the browser as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** Whether requests speak for a one-hop link (plain links to API files would then lack its token). */
export const hasLinkToken = () => linkToken !== null;

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal });
export const post = <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body'> = {}) =>
  request<T>('POST', path, { ...opts, body: body ?? {} });
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
export const del = <T>(path: string) => request<T>('DELETE', path);

/** A query string from the set values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const out = s.toString();
  return out ? `?${out}` : '';
}
