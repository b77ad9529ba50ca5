/**
 * `npm run docs:settings`: writes the README's configuration table from the list in
 * apps/server/src/settingsReference.ts (between its markers), formatted as Prettier formats the README.
 * `--check` exits 1 when the README differs instead of writing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { README, renderSettingsSection } from '../apps/server/src/testing/settingsReadme';
const current = readFileSync(README, 'utf8');
const next = await renderSettingsSection(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(
      'README.md: the configuration table differs from apps/server/src/settingsReference.ts; run npm run docs:settings\n',
    );
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(README, next);
  process.stdout.write('README.md: configuration table written\n');
} else process.stdout.write('README.md: configuration table already current\n');
