import {
  Anchor,
  createTheme,
  Modal,
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
  // Yellow's darkest shade is light: 22% darker is 4.4:1 on its tint (axe, decision 0037), 32% is 5.6:1.
  const text = darken(shades[9], parsed.color === 'yellow' ? 0.32 : 0.22);
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
  components: {
    // The × of every dialog says what it does (Mantine's has no name of its own).
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    // A link inside text must not differ by colour alone (WCAG 1.4.1): links are underlined.
    Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
  },
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
