import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { SETTINGS_BEGIN, SETTINGS_END, settingsTable } from '../settingsReference';

export const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

/**
 * The README with its configuration table (between the markers) generated from `SETTINGS`, formatted by
 * Prettier like the rest of the README. Without the markers yet, the table under "## Configuration" is
 * replaced and the markers put around it.
 */
export async function renderSettingsSection(readme: string): Promise<string> {
  const block = `${SETTINGS_BEGIN}\n\n${settingsTable()}\n\n${SETTINGS_END}`;
  let next: string;
  const begin = readme.indexOf(SETTINGS_BEGIN);
  const end = readme.indexOf(SETTINGS_END);
  if (begin !== -1 && end > begin)
    next = readme.slice(0, begin) + block + readme.slice(end + SETTINGS_END.length);
  else {
    const heading = readme.indexOf('## Configuration');
    if (heading === -1) throw new Error('README.md has no "## Configuration" section');
    const tableStart = readme.indexOf('\n|', heading) + 1;
    let tableEnd = tableStart;
    while (readme.startsWith('|', tableEnd)) tableEnd = readme.indexOf('\n', tableEnd) + 1;
    next = readme.slice(0, tableStart) + block + '\n' + readme.slice(tableEnd);
  }
  return format(next, { ...(await resolveConfig(README)), filepath: README });
}
