import { readdirSync, readFileSync } from 'node:fs';

/**
 * Command name, CPU seconds (user + system) and the CPU seconds of its children that have exited
 * and been waited for, from a /proc …/stat file; undefined if it is gone.
 */
function statOf(path: string): { comm: string; seconds: number; reaped: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread ended between listing and reading
  }
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14]
  // (stat(5) numbering 14–17). USER_HZ is 100 on Linux.
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    seconds: (Number(fields[11]) + Number(fields[12])) / 100,
    reaped: (Number(fields[13]) + Number(fields[14])) / 100,
  };
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir).filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
}

/**
 * CPU seconds (user + system) used so far by every living process whose command name
 * is `comm` (e.g. "postgres"), with what their exited children had used (a PostgreSQL
 * backend that ends, say a pool connection closed while idle, hands its CPU to the
 * postmaster's count when it is reaped), read from /proc; NaN off Linux. The difference of
 * two readings is what those processes spent in between, which tells how a benchmark's CPU
 * splits between the database and this process.
 */
export function cpuSecondsOf(comm: string): number {
  const pids = listing('/proc');
  if (pids.length === 0) return NaN;
  let seconds = 0;
  for (const pid of pids) {
    const s = statOf(`/proc/${pid}/stat`);
    if (s?.comm === comm) seconds += s.seconds + s.reaped;
  }
  return seconds;
}

/** CPU seconds of this process so far (all threads). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * CPU seconds of this process's children that have exited and been waited for (a command the
 * benchmark ran to its end): the difference of two readings is what the commands in between used.
 */
export function reapedCpuSeconds(): number {
  return statOf('/proc/self/stat')?.reaped ?? NaN;
}

/** CPU seconds per thread of this process ("name#tid"), to tell the server's thread from the load's. */
export function threadCpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of listing('/proc/self/task')) {
    const s = statOf(`/proc/self/task/${tid}/stat`);
    if (s) out.set(`${s.comm}#${tid}`, s.seconds);
  }
  return out;
}
