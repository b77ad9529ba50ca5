import type { TProvider, TRmdFiler } from '@hoptrace/contracts';
import { Group, Select, Text, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../api/client';
import { useProvider, useProviderSearch, useRmdFilerSearch } from '../api/queries';

const describe = (p: TProvider) => (p.ocns.length ? `${p.name} (OCN ${p.ocns.join(', ')})` : p.name);
const FILER = 'rmd:';
const filerLabel = (f: TRmdFiler) => `${f.businessName ?? f.dbaNames[0] ?? f.filingNumber ?? 'RMD filer'}`;

/**
 * Searches the directory on the server as you type (name, DBA name, OCN, FRN,
 * RMD number) and returns the chosen provider's id. After the directory's matches it offers the
 * RMD's filers that are not in the directory yet: staff add one in one step (its identifiers and
 * RMD link set) and it is chosen; others get `onFiler` (e.g. to name it as a new provider).
 */
export function ProviderPicker(
  props: {
    value: string | null;
    onChange: (id: string | null) => void;
    label: string;
    /** Called when a filer not in the directory is chosen by someone who cannot add it. */
    onFiler?: (filer: TRmdFiler) => void;
  } & Pick<SelectProps, 'description' | 'error' | 'required' | 'placeholder' | 'id' | 'name' | 'w' | 'maw'>,
) {
  const { value, onChange, onFiler, ...rest } = props;
  const [search, setSearch] = useState('');
  const [adding, setAdding] = useState<string | null>(null);
  const [addError, setAddError] = useState<string | null>(null);
  const [debounced] = useDebouncedValue(search, 250);
  const client = useQueryClient();
  const selected = useProvider(value);
  const chosen = selected.data;
  // When the box shows the chosen provider, list around it rather than searching for its label.
  const q = chosen && search === describe(chosen) ? '' : debounced.trim();
  const results = useProviderSearch(q);
  const filers = useRmdFilerSearch(q);
  const byId = new Map<string, TProvider>();
  if (chosen) byId.set(chosen.id, chosen);
  for (const p of results.data?.items ?? []) byId.set(p.id, p);
  const options = [...byId.values()];
  const filerById = new Map<string, TRmdFiler>();
  for (const f of filers.data?.items ?? [])
    if (!f.inDirectory || !byId.has(f.inDirectory.id)) filerById.set(f.id, f);
  const filerOptions = [...filerById.values()];

  async function chooseFiler(f: TRmdFiler) {
    setAddError(null);
    if (f.inDirectory) return onChange(f.inDirectory.id);
    if (!f.can.addToDirectory) return onFiler?.(f);
    setAdding(f.id);
    try {
      const created = await request<TProvider>('POST', `/rmd/filings/${f.id}/provider`, { body: {} });
      client.setQueryData(['provider', created.id], created);
      await client.invalidateQueries({ queryKey: ['providers'] });
      await client.invalidateQueries({ queryKey: ['rmd-filers'] });
      onChange(created.id);
    } catch (err) {
      setAddError(err instanceof Error ? err.message : 'the filer could not be added');
    } finally {
      setAdding(null);
    }
  }

  const data = [
    { group: 'Directory', items: options.map((p) => ({ value: p.id, label: describe(p) })) },
    ...(filerOptions.length
      ? [
          {
            group: 'RMD filers not in the directory',
            items: filerOptions.map((f) => ({ value: `${FILER}${f.id}`, label: filerLabel(f) })),
          },
        ]
      : []),
  ];

  return (
    <Select
      {...rest}
      error={addError ?? rest.error}
      // The message sits above the box: the list opens below it when the field is focused for its error,
      // and would otherwise cover the message it was focused for.
      inputWrapperOrder={['label', 'description', 'error', 'input']}
      disabled={adding !== null}
      searchable
      clearable
      value={value}
      onChange={(id) => {
        if (id?.startsWith(FILER)) {
          const f = filerById.get(id.slice(FILER.length));
          if (f) void chooseFiler(f);
          return;
        }
        onChange(id);
      }}
      searchValue={search}
      onSearchChange={setSearch}
      data={data}
      // The server already filtered; filtering again by the label would hide OCN and FRN matches.
      filter={({ options: all }) => all}
      nothingFoundMessage={
        results.isFetching || filers.isFetching
          ? 'Searching…'
          : 'No provider in the directory or RMD filer matches'
      }
      placeholder={props.placeholder ?? 'Search by name, OCN, FRN or RMD number (typos are fine)'}
      renderOption={({ option }) => {
        if (option.value.startsWith(FILER)) {
          const f = filerById.get(option.value.slice(FILER.length));
          return (
            <Group gap={6} wrap="nowrap">
              <Text size="sm">{f ? filerLabel(f) : option.label}</Text>
              {f && (
                <Text size="xs" c="dimmed">
                  {f.filingNumber ?? ''}
                  {f.frn ? ` · FRN ${f.frn}` : ''}
                  {f.status === 'removed' ? ' · removed from the RMD' : ''}
                </Text>
              )}
              <Text size="xs" className="warning-text">
                {f?.can.addToDirectory ? 'not in the directory: choose to add it' : 'not in the directory'}
              </Text>
            </Group>
          );
        }
        const p = byId.get(option.value);
        return (
          <Group gap={6} wrap="nowrap">
            <Text size="sm">{p?.name ?? option.label}</Text>
            {p && p.ocns.length > 0 && (
              <Text size="xs" c="dimmed">
                OCN {p.ocns.join(', ')}
              </Text>
            )}
            {p && !p.verified && (
              <Text size="xs" className="warning-text">
                not verified
              </Text>
            )}
          </Group>
        );
      }}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
