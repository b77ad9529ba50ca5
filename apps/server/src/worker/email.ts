import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers?: Record<string, string>;
}

export interface EmailTransport {
  kind: 'smtp' | 'files';
  send(message: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * SMTP when SMTP_URL is set; otherwise each message becomes an .eml file in the
 * data directory, so the embedded default loses nothing and needs no server.
 */
export function createEmailTransport(opts: {
  smtpUrl?: string | undefined;
  mailDir: string;
}): EmailTransport {
  if (opts.smtpUrl) {
    // A pool of a few connections: a burst of notices should not open one connection per message.
    const url = new URL(opts.smtpUrl);
    if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
    if (!url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', '10');
    const transport = nodemailer.createTransport(url.toString());
    return {
      kind: 'smtp',
      async send(m) {
        await transport.sendMail(m);
      },
      close: () => transport.close(),
    };
  }
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  mkdirSync(opts.mailDir, { recursive: true });
  return {
    kind: 'files',
    async send(m) {
      const info = await stream.sendMail(m);
      const id = m.messageId.replace(/[<>]/g, '').replace(/[^\w.@-]/g, '_');
      // Named by Message-ID: a message sent twice overwrites its own file instead of appearing twice.
      writeFileSync(join(opts.mailDir, `${id}.eml`), info.message as Buffer);
    },
    close: () => stream.close(),
  };
}
