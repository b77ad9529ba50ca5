import type { TProvider } from '@hoptrace/contracts';
import { Group, Select, Text, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useProvider, useProviderSearch } from '../api/queries';

const describe = (p: TProvider) => (p.ocns.length ? `${p.name} (OCN ${p.ocns.join(', ')})` : p.name);

/**
 * Searches the directory on the server as you type (name, DBA name, OCN, FRN,
 * RMD number) and returns the chosen provider's id.
 */
export function ProviderPicker(
  props: {
    value: string | null;
    onChange: (id: string | null) => void;
    label: string;
  } & Pick<SelectProps, 'description' | 'error' | 'required' | 'placeholder' | 'id' | 'name' | 'w' | 'maw'>,
) {
  const { value, onChange, ...rest } = props;
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const selected = useProvider(value);
  const chosen = selected.data;
  // When the box shows the chosen provider, list around it rather than searching for its label.
  const q = chosen && search === describe(chosen) ? '' : debounced.trim();
  const results = useProviderSearch(q);
  const byId = new Map<string, TProvider>();
  if (chosen) byId.set(chosen.id, chosen);
  for (const p of results.data?.items ?? []) byId.set(p.id, p);
  const options = [...byId.values()];

  return (
    <Select
      {...rest}
      searchable
      clearable
      value={value}
      onChange={(id) => onChange(id)}
      searchValue={search}
      onSearchChange={setSearch}
      data={options.map((p) => ({ value: p.id, label: describe(p) }))}
      // The server already filtered; filtering again by the label would hide OCN and FRN matches.
      filter={({ options: all }) => all}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'No provider in the directory matches'}
      placeholder={props.placeholder ?? 'Search by name, OCN, FRN or RMD number (typos are fine)'}
      renderOption={({ option }) => {
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
