import { parseRowKey, type PreferenceCenterLayout } from './preference-center';
import { COMMERCIAL_DESCRIPTION, COMMERCIAL_LABEL } from './preference-center-view';
import type { TenantBranding } from './tenant-input';

/**
 * Knock's `PreferenceCenterConfigWithMetadata` (`GET /v1/users/:user_id/preference_center/config`), read
 * off what prefs holds: the environment's layout (or the default one) as rows, the page's commercial row
 * first as on the page itself, and the tenant's branding when a tenant is asked for.
 */

export interface KnockPreferenceCenterRow {
  type: 'workflow' | 'channel' | 'category' | 'channel_types' | 'commercial_subscribed';
  name: string;
  description?: string;
  identifier: string | null;
  channel_types: string[] | null;
}

interface KnockBranding {
  icon_url: string | null;
  logo_url: string | null;
  primary_color: string | null;
  primary_color_contrast: string | null;
}

export interface KnockPreferenceCenterConfig {
  enabled: boolean;
  config: { title: string; body: string; rows: KnockPreferenceCenterRow[]; show_account_name: boolean };
  branding: KnockBranding & { dark: KnockBranding };
  account_name: string | null;
  user_email: string | null;
  knock_branding_required: boolean;
}

const ROW_TYPE = { categories: 'category', workflows: 'workflow', channels: 'channel' } as const;

function brandingOf(branding: TenantBranding | null, prefix: '' | 'dark_'): KnockBranding {
  const field = (name: string) => branding?.[`${prefix}${name}` as keyof TenantBranding] ?? null;
  return { icon_url: field('icon_url'), logo_url: field('logo_url'), primary_color: field('primary_color'), primary_color_contrast: field('primary_color_contrast') };
}

export function toKnockPreferenceCenterConfig(input: {
  layout: PreferenceCenterLayout;
  branding: TenantBranding | null;
  accountName: string | null;
  /** The user's email, else the user id (Knock's "display label for the user"). */
  userLabel: string;
}): KnockPreferenceCenterConfig {
  const rows: KnockPreferenceCenterRow[] = [{ type: 'commercial_subscribed', name: COMMERCIAL_LABEL, description: COMMERCIAL_DESCRIPTION, identifier: null, channel_types: null }];
  for (const row of input.layout.rows) {
    const key = parseRowKey(row.key);
    if (key === null) continue;
    rows.push({
      type: ROW_TYPE[key.field],
      name: row.label,
      ...(row.description === undefined ? {} : { description: row.description }),
      identifier: key.key,
      channel_types: row.channel_types ? [...row.channel_types] : null,
    });
  }
  return {
    enabled: true,
    config: { title: input.layout.title, body: input.layout.description ?? '', rows, show_account_name: input.accountName !== null },
    branding: { ...brandingOf(input.branding, ''), dark: brandingOf(input.branding, 'dark_') },
    account_name: input.accountName,
    user_email: input.userLabel,
    knock_branding_required: false,
  };
}
