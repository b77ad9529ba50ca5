import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * Runs `work` under the V8 CPU profiler of this (the server's) thread when
 * BENCH_CPU_PROFILE names a file: writes the .cpuprofile and prints the top
 * functions by self time. Without the variable it only runs `work`.
 */
export async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (process.env.BENCH_HEAP_PROFILE) return heapProfiled(label, work);
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    session.disconnect();
    const out = file.replace(/(\.cpuprofile)?$/, `-${label}.cpuprofile`);
    writeFileSync(out, JSON.stringify(profile));
    process.stdout.write(`  cpu profile: ${out}\n${topSelfTime(profile, 25)}\n`);
  }
}

/** Self time per function (name + file:line), largest first, as text lines. */
export function topSelfTime(profile: Profile, n: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const f = node.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/\/work\/main\//, '')}:${f.lineNumber + 1}`
      : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`;
    const dt = deltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, us]) =>
        `    ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    )
    .join('\n');
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/**
 * Runs `work` under V8's sampling heap profiler (BENCH_HEAP_PROFILE names the file), counting
 * objects that minor and major collections already freed too: what a path allocates, which is
 * what young-generation collections cost. Prints the top allocation sites by bytes.
 */
async function heapProfiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  try {
    return await work();
  } finally {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } };
    session.disconnect();
    const out = process.env.BENCH_HEAP_PROFILE!.replace(/(\.heapprofile)?$/, `-${label}.heapprofile`);
    writeFileSync(out, JSON.stringify(profile));
    const bytes = new Map<string, number>();
    let total = 0;
    const walk = (node: HeapNode) => {
      const f = node.callFrame;
      const where = f.url
        ? `${f.url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/\/work\/main\//, '')}:${f.lineNumber + 1}`
        : '';
      const key = `${f.functionName || '(anonymous)'} ${where}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
      node.children.forEach(walk);
    };
    walk(profile.head);
    const top = [...bytes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(
        ([k, b]) =>
          `    ${((100 * b) / total).toFixed(1).padStart(5)} %  ${(b / 2 ** 20).toFixed(1).padStart(7)} MB  ${k}`,
      );
    process.stdout.write(
      `  heap profile: ${out} (${(total / 2 ** 20).toFixed(0)} MB sampled)\n${top.join('\n')}\n`,
    );
  }
}
