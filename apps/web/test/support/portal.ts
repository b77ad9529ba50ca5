/**
 * What the browser tier's global setup hands the test files: the server's
 * address and the people and providers it loaded. Kept free of server imports,
 * so the test files (type-checked with the DOM library) need not load the server.
 */

export interface DemoUser {
  id: string;
  email: string;
  password: string;
}

export interface DemoProvider {
  id: string;
  name: string;
  contactEmail: string;
  user: DemoUser;
}

export interface Demo {
  admin: DemoUser;
  analyst: DemoUser;
  enforcement: DemoUser;
  providers: DemoProvider[];
  campaigns: Array<{ id: string; name: string }>;
  tracebacks: string[];
}

export interface PortalUnderTest {
  url: string;
  demo: Demo;
  /** Three providers with no request yet, for the end-to-end flow. */
  flow: DemoProvider[];
  /** A session token per email, minted in the setup so most tests skip the sign-in form (and its rate limit). */
  sessions: Record<string, string>;
  /** The worker's outgoing email, one .eml file per message. */
  mailDir: string;
}

const nobody: DemoUser = { id: '', email: '', password: '' };

/** What the test files read when the tier is skipped (no Chromium): their bodies are collected, never run. */
export const NO_PORTAL: PortalUnderTest = {
  url: '',
  demo: { admin: nobody, analyst: nobody, enforcement: nobody, providers: [], campaigns: [], tracebacks: [] },
  flow: [],
  sessions: {},
  mailDir: '',
};

declare module 'vitest' {
  export interface ProvidedContext {
    portal: PortalUnderTest | null;
  }
}
