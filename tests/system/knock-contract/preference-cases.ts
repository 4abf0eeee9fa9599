import type { ContractCase } from './contract-case';

/** A user's preference sets: read, write, list, delete, and Knock's six granular (deprecated) PUTs. */
const set = { user_id: 'prefs_user', id: 'default' };

export const preferenceCases: Record<string, ContractCase> = {
  updateUserPreferenceSet: async (knock) => {
    await knock.send('updateUserPreferenceSet', { params: set });
  },
  getUserPreferenceSet: async (knock) => {
    await knock.send('updateUserPreferenceSet', { params: set });
    await knock.send('getUserPreferenceSet', { params: set });
    // A set never stored answers the defaults that apply (recipients.md), for a tenant too.
    await knock.send('getUserPreferenceSet', { params: { user_id: 'no_sets', id: 'default' }, query: { tenant: 'some_tenant' } });
    await knock.send('setTenant', { params: { id: 'defaults_tenant' }, body: { settings: { preference_set: { categories: { marketing: false } } } } });
    await knock.send('getUserPreferenceSet', { params: { user_id: 'no_sets', id: 'default' }, query: { tenant: 'defaults_tenant' } });
    await knock.send('getUserPreferenceSet', { params: { user_id: 'no_sets', id: 'defaults_tenant' } });
  },
  listUserPreferenceSets: async (knock) => {
    await knock.send('updateUserPreferenceSet', { params: set });
    await knock.send('listUserPreferenceSets', { params: { user_id: set.user_id } });
  },
  deleteUserPreferenceSet: async (knock) => {
    await knock.send('updateUserPreferenceSet', { params: { user_id: 'delete_sets', id: 'default' } });
    await knock.send('deleteUserPreferenceSet', { params: { user_id: 'delete_sets', id: 'default' } });
  },
  // The granular PUTs have no request body in Knock's document; these are the bodies @knocklabs/client sends.
  updateUserPreferenceChannelTypes: async (knock) => {
    await knock.send('updateUserPreferenceChannelTypes', { params: set, body: { email: false, sms: true } });
  },
  updateUserPreferenceChannelType: async (knock) => {
    await knock.send('updateUserPreferenceChannelType', { params: { ...set, type: 'push' }, body: { subscribed: false } });
  },
  updateUserPreferenceWorkflows: async (knock) => {
    await knock.send('updateUserPreferenceWorkflows', { params: set, body: { 'dinosaurs-loose': { channel_types: { email: false } }, welcome: true } });
  },
  updateUserPreferenceWorkflow: async (knock) => {
    await knock.send('updateUserPreferenceWorkflow', { params: { ...set, key: 'dinosaurs-loose' }, body: { subscribed: true } });
    await knock.send('updateUserPreferenceWorkflow', { params: { ...set, key: 'park-alerts' }, body: { channel_types: { sms: false } } });
  },
  updateUserPreferenceCategories: async (knock) => {
    await knock.send('updateUserPreferenceCategories', { params: set, body: { marketing: false, transactional: { channel_types: { email: true } } } });
  },
  updateUserPreferenceCategory: async (knock) => {
    await knock.send('updateUserPreferenceCategory', { params: { ...set, key: 'marketing' }, body: { subscribed: false } });
  },
};
