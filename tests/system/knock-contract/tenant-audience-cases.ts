import type { ContractCase } from './contract-case';

/** Tenants and audiences. */
export const tenantAudienceCases: Record<string, ContractCase> = {
  setTenant: async (knock) => {
    await knock.send('setTenant', { params: { id: 'jurassic_park' } });
  },
  getTenant: async (knock) => {
    await knock.send('setTenant', { params: { id: 'get_tenant' } });
    await knock.send('getTenant', { params: { id: 'get_tenant' } });
    // A tenant with a default preference set and every branding field answers them in Knock's shapes.
    const branding = { icon_url: 'https://example.com/i.png', logo_url: 'https://example.com/l.png', dark_icon_url: null, dark_logo_url: 'https://example.com/d.png', primary_color: '#DF1A22', primary_color_contrast: '#FFDE00', dark_primary_color: null, dark_primary_color_contrast: '#000000' };
    const preferenceSet = { channel_types: { email: true, sms: { conditions: [{ variable: 'recipient.country_code', operator: 'equal_to', argument: 'US' }] } }, categories: { marketing: false }, workflows: null };
    await knock.send('setTenant', { params: { id: 'full_tenant' }, body: { name: 'InGen', region: 'isla_nublar', settings: { branding, preference_set: preferenceSet } } });
    await knock.send('getTenant', { params: { id: 'full_tenant' } });
  },
  listTenants: async (knock) => {
    for (const id of ['tenant_a', 'tenant_b']) await knock.send('setTenant', { params: { id }, body: { name: id } });
    const first = await knock.send('listTenants', { query: { page_size: '1' } });
    await knock.send('listTenants', { query: { page_size: '1', after: (first.body as { page_info: { after: string } }).page_info.after } });
  },
  deleteTenant: async (knock) => {
    await knock.send('setTenant', { params: { id: 'deleted_tenant' }, body: { name: 'Gone' } });
    await knock.send('deleteTenant', { params: { id: 'deleted_tenant' } });
  },
  addAudienceMembers: async (knock) => {
    await knock.send('addAudienceMembers', { params: { key: 'dinosaur_researchers' }, query: { create_audience: 'true' } });
  },
  listAudienceMembers: async (knock) => {
    await knock.send('addAudienceMembers', { params: { key: 'listed_audience' }, query: { create_audience: 'true' } });
    await knock.send('listAudienceMembers', { params: { key: 'listed_audience' } });
  },
  removeAudienceMembers: async (knock) => {
    await knock.send('addAudienceMembers', { params: { key: 'shrinking_audience' }, query: { create_audience: 'true' } });
    await knock.send('removeAudienceMembers', { params: { key: 'shrinking_audience' } });
  },
};
