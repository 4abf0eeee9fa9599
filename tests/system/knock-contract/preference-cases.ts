import type { ContractCase } from './contract-case';

/**
 * A recipient's preference sets, users' and objects' alike: read, write, list, delete, and Knock's six
 * granular (deprecated) PUTs.
 */

/** The operationIds' word for the recipient, and the path parameters naming one of them (`id` the recipient's id). */
interface Recipient {
  kind: 'User' | 'Object';
  params: (id: string) => Record<string, string>;
}

function preferenceCasesOf({ kind, params }: Recipient): Record<string, ContractCase> {
  const set = { ...params('prefs_recipient'), id: 'default' };
  return {
    [`update${kind}PreferenceSet`]: async (knock) => {
      await knock.send(`update${kind}PreferenceSet`, { params: set });
    },
    [`get${kind}PreferenceSet`]: async (knock) => {
      await knock.send(`update${kind}PreferenceSet`, { params: set });
      await knock.send(`get${kind}PreferenceSet`, { params: set });
      // A set never stored answers the defaults that apply (recipients.md), for a tenant too.
      const none = { ...params('no_sets'), id: 'default' };
      await knock.send(`get${kind}PreferenceSet`, { params: none, query: { tenant: 'some_tenant' } });
      await knock.send('setTenant', { params: { id: 'defaults_tenant' }, body: { settings: { preference_set: { categories: { marketing: false } } } } });
      await knock.send(`get${kind}PreferenceSet`, { params: none, query: { tenant: 'defaults_tenant' } });
      await knock.send(`get${kind}PreferenceSet`, { params: { ...none, id: 'defaults_tenant' } });
    },
    [`list${kind}PreferenceSets`]: async (knock) => {
      await knock.send(`update${kind}PreferenceSet`, { params: set });
      await knock.send(`list${kind}PreferenceSets`, { params: params('prefs_recipient') });
    },
    [`delete${kind}PreferenceSet`]: async (knock) => {
      await knock.send(`update${kind}PreferenceSet`, { params: { ...params('delete_sets'), id: 'default' } });
      await knock.send(`delete${kind}PreferenceSet`, { params: { ...params('delete_sets'), id: 'default' } });
    },
    // The granular PUTs have no request body in Knock's document; these are the bodies @knocklabs/client sends.
    [`update${kind}PreferenceChannelTypes`]: async (knock) => {
      await knock.send(`update${kind}PreferenceChannelTypes`, { params: set, body: { email: false, sms: true } });
    },
    [`update${kind}PreferenceChannelType`]: async (knock) => {
      await knock.send(`update${kind}PreferenceChannelType`, { params: { ...set, type: 'push' }, body: { subscribed: false } });
    },
    [`update${kind}PreferenceWorkflows`]: async (knock) => {
      await knock.send(`update${kind}PreferenceWorkflows`, { params: set, body: { 'dinosaurs-loose': { channel_types: { email: false } }, welcome: true } });
    },
    [`update${kind}PreferenceWorkflow`]: async (knock) => {
      await knock.send(`update${kind}PreferenceWorkflow`, { params: { ...set, key: 'dinosaurs-loose' }, body: { subscribed: true } });
      await knock.send(`update${kind}PreferenceWorkflow`, { params: { ...set, key: 'park-alerts' }, body: { channel_types: { sms: false } } });
    },
    [`update${kind}PreferenceCategories`]: async (knock) => {
      await knock.send(`update${kind}PreferenceCategories`, { params: set, body: { marketing: false, transactional: { channel_types: { email: true } } } });
    },
    [`update${kind}PreferenceCategory`]: async (knock) => {
      await knock.send(`update${kind}PreferenceCategory`, { params: { ...set, key: 'marketing' }, body: { subscribed: false } });
    },
  };
}

export const preferenceCases: Record<string, ContractCase> = {
  ...preferenceCasesOf({ kind: 'User', params: (id) => ({ user_id: id }) }),
  ...preferenceCasesOf({ kind: 'Object', params: (id) => ({ collection: 'projects', object_id: id }) }),
};
