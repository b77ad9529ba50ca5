import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) used so far by every process whose command name
 * is `comm` (e.g. "postgres"), read from /proc. Linux only; NaN elsewhere. The
 * difference of two readings is what those processes spent in between, which
 * tells how a benchmark's CPU splits between the database and this process.
 */
export function cpuSecondsOf(comm: string): number {
  let ticks = 0;
  let dirs: string[];
  try {
    dirs = readdirSync('/proc');
  } catch {
    return NaN;
  }
  for (const d of dirs) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // gone between listing and reading
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(open + 1, close) !== comm) continue;
    const fields = stat.slice(close + 2).split(' ');
    // Fields after the command: state is [0], utime [11], stime [12] (stat(5) numbering 14 and 15).
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds of this process so far (all threads). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds per thread name of this process (from /proc/self/task), summed over threads of one name. */
export function threadCpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(`${name}#${tid}`, (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return out;
}
