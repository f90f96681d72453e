/**
 * Chart colours come from the stylesheet's custom properties, so the light and dark themes
 * (prefers-color-scheme) are defined once, in CSS. Read once per theme change.
 */
export interface ThemeColors {
  fg: string;
  muted: string;
  grid: string;
  cpu: string;
  memory: string;
  loop: string;
  /** A palette for charts with several series. */
  series: string[];
}

let cached: ThemeColors | null = null;
const listeners: (() => void)[] = [];

const scheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
scheme?.addEventListener('change', () => {
  cached = null;
  for (const l of listeners) l();
});

export function onThemeChange(listener: () => void): void {
  listeners.push(listener);
}

export function themeColors(): ThemeColors {
  if (cached) return cached;
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  cached = {
    fg: v('--fg'),
    muted: v('--muted'),
    grid: v('--grid'),
    cpu: v('--c1'),
    memory: v('--c2'),
    loop: v('--c3'),
    series: ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6', '--c7', '--c8'].map(v),
  };
  return cached;
}
