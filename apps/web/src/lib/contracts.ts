import { config } from 'zod';
export * from '@hoptrace/contracts';

// The portal's CSP forbids eval. Without this, zod probes `new Function` once to pick a faster
// parser, and the browser reports the blocked probe as a policy violation even though zod copes.
config({ jitless: true });
