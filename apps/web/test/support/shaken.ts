/** What apps/web/test/node/shaken.ts starts for the STIR/SHAKEN browser test (free of server imports). */
export interface ShakenPortal {
  url: string;
  tracebackId: string;
  /** A traceback closed at its origin whose terminating provider reported a header signed by the signer. */
  pathTracebackId: string;
  /** A pending path hop of the signer's, to answer in the form, and a header for it to report. */
  form: { tracebackId: string; hopId: string; header: string };
  signerHopId: string;
  signer: { id: string; name: string };
  /** Session tokens of the analyst and of the signer's provider user. */
  tokens: { analyst: string; signer: string };
  close(): Promise<void>;
}

/**
 * Starts it. The specifier is built at run time so that the test files, type-checked with the DOM
 * library, do not pull the server's sources into their type-check.
 */
export async function startShakenPortal(opts: { spc: string; origid: string }): Promise<ShakenPortal> {
  const specifier = ['..', 'node', 'shaken.ts'].join('/');
  const mod = (await import(/* @vite-ignore */ specifier)) as {
    startShakenPortal(o: typeof opts): Promise<ShakenPortal>;
  };
  return mod.startShakenPortal(opts);
}
