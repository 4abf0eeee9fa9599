/**
 * A tenant's branding, made safe for the pages: colours only as `#rrggbb`, with a text colour on the
 * primary colour that has at least 4.5:1 contrast (the tenant's own when it has; black or white
 * otherwise), and images only from http(s) URLs.
 */
export interface PageBranding {
  name: string | null;
  logoUrl: string | null;
  iconUrl: string | null;
  primary: string;
  onPrimary: string;
}

export const DEFAULT_BRANDING: PageBranding = { name: null, logoUrl: null, iconUrl: null, primary: '#1d4ed8', onPrimary: '#ffffff' };

const COLOUR = /^#[0-9a-f]{6}$/i;

function channel(value: number): number {
  const srgb = value / 255;
  return srgb <= 0.03928 ? srgb / 12.92 : ((srgb + 0.055) / 1.055) ** 2.4;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((start) => channel(parseInt(hex.slice(start, start + 2), 16)));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two `#rrggbb` colours. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

export function pageBranding(tenantName: string | null, branding: Record<string, unknown> | null): PageBranding {
  if (branding === null && tenantName === null) return DEFAULT_BRANDING;
  const given = typeof branding?.primary_color === 'string' && COLOUR.test(branding.primary_color) ? branding.primary_color.toLowerCase() : null;
  // A primary colour too light to read against the white page is not used for borders and text.
  const primary = given !== null && contrastRatio(given, '#ffffff') >= 3 ? given : DEFAULT_BRANDING.primary;
  const wanted = typeof branding?.primary_color_contrast === 'string' && COLOUR.test(branding.primary_color_contrast) ? branding.primary_color_contrast.toLowerCase() : null;
  const onPrimary =
    wanted !== null && contrastRatio(primary, wanted) >= 4.5
      ? wanted
      : contrastRatio(primary, '#ffffff') >= contrastRatio(primary, '#000000') ? '#ffffff' : '#000000';
  return { name: tenantName, logoUrl: safeUrl(branding?.logo_url), iconUrl: safeUrl(branding?.icon_url), primary, onPrimary };
}

/** The origins the page may load images from (the logo and icon): nothing else is ever loaded. */
export function imageOrigins(branding: PageBranding): string[] {
  return [...new Set([branding.logoUrl, branding.iconUrl].filter((url): url is string => url !== null).map((url) => new URL(url).origin))];
}
