import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../lib/types';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm start` on a fresh clone, as a new user meets it: `hoptrace start` on a new embedded data
 * directory with the demo. Measured from the process start: the health check answering (the
 * issue's "healthy", target under 15 s), and the demo loaded (the health check no longer says
 * `demo: loading`). The portal's build is whatever `apps/web/dist` holds (a fresh clone builds it
 * on first start: a few seconds more, counted when dist is missing).
 */
export async function run(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hoptrace-bench-start-'));
  const port = 3900 + Math.floor(Math.random() * 90);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'apps/cli/bin/hoptrace.js'), 'start', '--port', String(port)],
    {
      env: { ...process.env, HOPTRACE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  let healthy = NaN;
  let loaded = NaN;
  try {
    for (let i = 0; i < 3000 && Number.isNaN(loaded); i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode !== null) throw new Error(`hoptrace start exited (${child.exitCode}):\n${output}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
        const body = (await res.json()) as { status: string; demo?: string };
        if (res.ok && Number.isNaN(healthy)) healthy = Date.now() - started;
        if (res.ok && body.demo !== 'loading' && /Loaded the demo history/.test(output))
          loaded = Date.now() - started;
      } catch {
        // not listening yet
      }
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const built = /Building the web portal/.test(output)
    ? 'the portal was built first'
    : 'portal already built';
  return [
    {
      name: 'npm start on a new data directory: healthy',
      value: Math.round(healthy) / 1000,
      unit: 's',
      target: '< 15 s',
      notes: `health check answering, from process start; ${built}`,
    },
    {
      name: 'npm start on a new data directory: demo loaded',
      value: Math.round(loaded) / 1000,
      unit: 's',
      notes: 'the demo (200 tracebacks, 6,000 call records) loaded behind the listening server',
    },
  ];
}
