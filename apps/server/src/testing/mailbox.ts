import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  messageId: string | null;
  subject: string | null;
  /** The plain-text part, decoded. */
  text: string;
}

/**
 * A real SMTP server for tests: accepts every message and keeps it. `stop()`
 * and `start()` on the same port simulate a mail server that goes down and
 * comes back.
 */
export async function startMailbox(port = 0, opts: { parse?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | null = null;
  let boundPort = port;

  async function start() {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // A sender's pooled connections stay open; on stop() smtp-server waits this long for them to
      // leave, then answers 421 and closes them, as a server going down does. Its default is 30 s,
      // which each test file paid at its end.
      closeTimeout: 200,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          };
          // Benchmarks count messages and skip the (slow) MIME parse; tests read them.
          if (opts.parse === false) {
            const messageId = /^Message-ID:\s*(.+)$/im.exec(raw)?.[1]?.trim() ?? null;
            received.push({ ...envelope, messageId, subject: null, text: '' });
            callback();
            return;
          }
          simpleParser(raw).then(
            (parsed) => {
              received.push({
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                raw,
                messageId: parsed.messageId ?? null,
                subject: parsed.subject ?? null,
                text: parsed.text ?? '',
              });
              callback();
            },
            (err: Error) => callback(err),
          );
        });
      },
    });
    // A client killed mid-session resets its connection; that is the test's point, not a failure.
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server!.listen(boundPort, '127.0.0.1', () => resolve()));
    boundPort = (server.server.address() as AddressInfo).port;
  }
  await start();
  return {
    received,
    get url() {
      return `smtp://127.0.0.1:${boundPort}`;
    },
    start,
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
