import { imageSourceOf } from '@prefs/core';

/**
 * A tenant's branding, made safe for the pages: colours only as `#rrggbb`, with a text colour on the
 * primary colour that has at least 4.5:1 contrast (the tenant's own when it has; black or white
 * otherwise), and images only from http(s) URLs whose host a Content-Security-Policy can name.
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

/** The URL as the parser writes it, or null: values stored before the host rule existed are dropped here. */
function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048 || imageSourceOf(value) === null) return null;
  return new URL(value).toString();
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

/** The sources the page may load images from (the logo's and icon's scheme, host and port): nothing else is ever loaded. */
export function imageOrigins(branding: PageBranding): string[] {
  const sources = [branding.logoUrl, branding.iconUrl].map((url) => (url === null ? null : imageSourceOf(url)));
  return [...new Set(sources.filter((source): source is string => source !== null))];
}
