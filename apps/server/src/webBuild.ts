import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The portal's workspace (`apps/web`): its sources and the `dist` Vite writes. */
export const WEB_ROOT = fileURLToPath(new URL('../../web', import.meta.url));
const CONTRACTS_SRC = fileURLToPath(new URL('../../../packages/contracts/src', import.meta.url));

/** What the bundle is made of: a change to any of these means the built portal is out of date. */
function sourcesOf(webRoot: string): string[] {
  return [
    join(webRoot, 'src'),
    join(webRoot, 'index.html'),
    join(webRoot, 'vite.config.ts'),
    join(webRoot, 'package.json'),
    ...(webRoot === WEB_ROOT ? [CONTRACTS_SRC] : []),
  ];
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    // Tests beside the sources are not part of the bundle.
    if (/\.test\.tsx?$/.test(entry)) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export type WebBuildState = 'fresh' | 'missing' | 'stale' | 'no-sources';

export function webBuildState(webRoot = WEB_ROOT): WebBuildState {
  if (!existsSync(join(webRoot, 'src'))) return 'no-sources';
  const index = join(webRoot, 'dist', 'index.html');
  if (!existsSync(index)) return 'missing';
  const built = statSync(index).mtimeMs;
  return sourcesOf(webRoot).some((p) => newestMtime(p) > built) ? 'stale' : 'fresh';
}

/** The slice of Vite's JS API used here; Vite is the portal's dependency, resolved from its workspace. */
interface ViteApi {
  build(config: {
    root: string;
    configFile: string;
    mode: string;
    logLevel: 'warn' | 'info' | 'error' | 'silent';
  }): Promise<unknown>;
}

let running: Promise<WebBuildState> | undefined;

/**
 * Builds the portal with Vite when `dist` is missing or older than its sources,
 * so `npm start` on a fresh clone or after a pull serves the current portal.
 * Returns what it found. A deployment that ships only `dist` (no sources) is left alone.
 */
export function ensureWebBuild(
  print: (line: string) => void,
  opts: { webRoot?: string } = {},
): Promise<WebBuildState> {
  running ??= (async () => {
    const webRoot = opts.webRoot ?? WEB_ROOT;
    const state = webBuildState(webRoot);
    if (state === 'fresh' || state === 'no-sources') return state;
    print(
      `Building the web portal (apps/web/dist is ${state === 'missing' ? 'missing' : 'older than its sources'})…`,
    );
    const started = Date.now();
    const require = createRequire(join(webRoot, 'package.json'));
    const vite = (await import(pathToFileURL(require.resolve('vite')).href)) as ViteApi;
    // Vite and the React plugin read NODE_ENV before the mode: started under a test runner (NODE_ENV=test)
    // the build would be React's development build, and `npm start` would then serve it as fresh.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await vite.build({
        root: webRoot,
        configFile: join(webRoot, 'vite.config.ts'),
        mode: 'production',
        logLevel: 'warn',
      });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    print(`  portal built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return state;
  })().finally(() => {
    running = undefined;
  });
  return running;
}
