import {
  createTheme,
  darken,
  defaultVariantColorsResolver,
  parseThemeColor,
  type CSSVariablesResolver,
  type VariantColorsResolver,
} from '@mantine/core';

/**
 * Mantine's defaults put some text under WCAG AA (white on teal.6, the grey
 * "dimmed" text, orange on orange.1). Filled colours use shade 8 with the
 * text colour picked for contrast; light and outline variants get text dark
 * enough to pass 4.5:1 on their tint.
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const base = defaultVariantColorsResolver(input);
  if (input.variant !== 'light' && input.variant !== 'outline' && input.variant !== 'subtle') return base;
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor || !parsed.color) return base;
  const shades = input.theme.colors[parsed.color];
  if (!shades) return base;
  const text = darken(shades[9], 0.22);
  return {
    ...base,
    color: text,
    hoverColor: text,
    ...(input.variant === 'light' ? { background: shades[0], hover: shades[1] } : {}),
    ...(input.variant === 'outline' ? { border: text } : {}),
  };
};

export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 6 },
  autoContrast: true,
  // At relative luminance 0.18 white and black text have the same contrast (about 4.6:1).
  luminanceThreshold: 0.18,
  defaultRadius: 'md',
  cursorType: 'pointer',
  focusRing: 'auto',
  variantColorResolver,
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    // Error messages and the required asterisk: red.6 is 3.3:1 on white, red.9 is 5.5:1.
    '--mantine-color-error': 'var(--mantine-color-red-9)',
    // Lighter than entered text, still 4.7:1 on white.
    '--mantine-color-placeholder': '#6c757d',
  },
  dark: {},
});
