// A process that takes a data directory's lock (dataDirLock.test.ts races several of these).
import { DataDirInUseError, lockDataDir } from './dataDirLock';

const [dir, holdMs] = process.argv.slice(2);
try {
  const lock = lockDataDir(dir!, 'hoptrace test');
  process.stdout.write('won\n');
  setTimeout(() => lock.release(), Number(holdMs ?? 0));
} catch (err) {
  process.stdout.write(err instanceof DataDirInUseError ? 'refused\n' : `error ${String(err)}\n`);
}
