import { Transform, type Readable } from 'node:stream';

/** Thrown into the upload stream when it passes the limit: the import is refused, then answered 413. */
export class UploadTooLarge extends Error {}

/** Passes the upload through, counting bytes, and fails it once it is larger than `limit`. */
export function limitBytes(source: Readable, limit: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, next) {
      seen += chunk.length;
      if (seen > limit) next(new UploadTooLarge(`the upload is larger than ${limit} bytes`));
      else next(null, chunk);
    },
  });
  source.on('error', (err) => counter.destroy(err));
  // The error reaches whoever reads the stream (the read fails with it); it may come before the
  // route has started reading (while a hook awaits the database), and an 'error' nobody listens
  // to would end the process.
  counter.on('error', () => {});
  // Whatever the parser did not read (a refused file stops early) is drained, so the answer can go out.
  counter.on('close', () => {
    source.unpipe(counter);
    if (!source.readableEnded) source.resume();
  });
  return source.pipe(counter);
}
