import { Select } from '@mantine/core';
import { useAgencies } from '../api/queries';

/** Picks an agency of the directory (staff: the user admin and the request queue). */
export function AgencyPicker(props: {
  id?: string;
  label: string;
  description?: string;
  required?: boolean;
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string | undefined;
}) {
  const agencies = useAgencies(true);
  return (
    <Select
      id={props.id}
      label={props.label}
      description={props.description}
      required={props.required}
      searchable
      nothingFoundMessage="No such agency: an admin adds it on the Agencies page"
      data={(agencies.data ?? []).map((a) => ({
        value: a.id,
        label: a.jurisdiction ? `${a.name} (${a.jurisdiction})` : a.name,
      }))}
      value={props.value}
      onChange={props.onChange}
      error={props.error}
    />
  );
}
