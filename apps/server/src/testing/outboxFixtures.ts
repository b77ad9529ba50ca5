import { randomUUID } from 'node:crypto';
import type { OutboxInsert } from '@hoptrace/db';

/** `n` queued hop-request emails to distinct fictional recipients, as the core would enqueue them. */
export function queuedEmails(n: number, tag: string, now: Date): OutboxInsert[] {
  return Array.from({ length: n }, (_, i) => ({
    channel: 'email' as const,
    topic: 'hop.assigned',
    dedupeKey: `test:${tag}:${i}`,
    recipient: `desk${i}@${tag}.example`,
    payload: {
      hopId: randomUUID(),
      tracebackId: randomUUID(),
      seq: 1,
      providerName: `Fictional Carrier ${i}`,
      timezone: 'America/Chicago',
      call: { startedAt: now.toISOString(), callingNumber: '+12025550143', calledNumber: '+13125550188' },
      campaign: null,
      requestedAt: now.toISOString(),
      receivedAt: now.toISOString(),
      dueAt: now.toISOString(),
    },
    secrets: { linkToken: `hl_test_${i}` },
    messageId: `<${randomUUID()}@hoptrace>`,
    nextAttemptAt: now,
    createdAt: now,
  }));
}
