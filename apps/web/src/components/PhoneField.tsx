import { TextInput, type TextInputProps } from '@mantine/core';
import { previewPhone } from '../lib/phoneInput';

/** A number in any common format, with what it will be stored as shown while typing. */
export function PhoneField(
  props: Omit<TextInputProps, 'onChange' | 'value'> & { value: string; onChange: (v: string) => void },
) {
  const { value, onChange, error, description, ...rest } = props;
  const preview = previewPhone(value);
  const hint =
    preview.kind === 'ok'
      ? `Saved as ${preview.display}`
      : preview.kind === 'error'
        ? preview.message
        : description;
  return (
    <TextInput
      {...rest}
      type="tel"
      inputMode="tel"
      autoComplete="off"
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      description={error ? undefined : hint}
      inputWrapperOrder={['label', 'input', 'description', 'error']}
    />
  );
}
