import type { ContractCase } from './contract-case';
import { requestExample } from './knock-document';

/** Users (identify, read, list, merge, delete), their channel data and Knock's preference-center calls. */
const CHANNEL_ID = '97c5837d-c65c-4d54-aa39-080eeb81c69d';

export const userCases: Record<string, ContractCase> = {
  identifyUser: async (knock) => {
    const example = requestExample(knock.operation('identifyUser')) as Record<string, unknown>;
    await knock.send('identifyUser', { params: { user_id: 'ian_malcolm' } });
    // The example without its inline parts, while they are NOT_YET_TAKEN (differences.ts).
    const { preferences: _preferences, channel_data: _channelData, ...properties } = example;
    await knock.send('identifyUser', { params: { user_id: 'ian_malcolm' }, body: properties });
  },
  getUser: async (knock) => {
    await knock.send('identifyUser', { params: { user_id: 'get_user' }, body: { name: 'Dr. Ian Malcolm', email: 'ian.malcolm@chaos.theory' } });
    await knock.send('getUser', { params: { user_id: 'get_user' } });
    // Every property Knock's User names, and custom ones.
    const full = { name: 'Dr. Ellie Sattler', email: 'ellie@ingen.net', phone_number: '+15555550100', avatar: 'https://example.com/ellie.png', timezone: 'America/Costa_Rica', locale: 'en-US', created_at: '2024-05-22T12:00:00Z', specialty: 'paleobotany', visits: { count: 2 } };
    await knock.send('identifyUser', { params: { user_id: 'full_user' }, body: full });
    await knock.send('getUser', { params: { user_id: 'full_user' } });
  },
  listUsers: async (knock) => {
    for (const id of ['list_1', 'list_2', 'list_3']) await knock.send('identifyUser', { params: { user_id: id }, body: { name: id } });
    await knock.send('updateUserPreferenceSet', { params: { user_id: 'list_1', id: 'default' } });
    const first = await knock.send('listUsers', { query: { page_size: '2' } });
    await knock.send('listUsers', { query: { page_size: '2', after: (first.body as { page_info: { after: string } }).page_info.after } });
    await knock.send('listUsers', { query: { 'include[]': 'preferences' } });
  },
  deleteUser: async (knock) => {
    await knock.send('identifyUser', { params: { user_id: 'deleted_user' }, body: { name: 'Gone' } });
    await knock.send('deleteUser', { params: { user_id: 'deleted_user' } });
    await knock.send('deleteUser', { params: { user_id: 'never_identified' } });
  },
  mergeUser: async (knock) => {
    await knock.send('identifyUser', { params: { user_id: 'user_1' }, body: { name: 'Source' } });
    await knock.send('identifyUser', { params: { user_id: 'merge_target' }, body: { name: 'Target' } });
    await knock.send('mergeUser', { params: { user_id: 'merge_target' } });
  },
  setUserChannelData: async (knock) => {
    await knock.send('setUserChannelData', { params: { user_id: 'channel_user', channel_id: CHANNEL_ID } });
  },
  getUserChannelData: async (knock) => {
    await knock.send('setUserChannelData', { params: { user_id: 'channel_reader', channel_id: CHANNEL_ID } });
    await knock.send('getUserChannelData', { params: { user_id: 'channel_reader', channel_id: CHANNEL_ID } });
  },
  unsetUserChannelData: async (knock) => {
    await knock.send('setUserChannelData', { params: { user_id: 'channel_unset', channel_id: CHANNEL_ID } });
    await knock.send('unsetUserChannelData', { params: { user_id: 'channel_unset', channel_id: CHANNEL_ID } });
  },
  generatePreferenceCenterSignedUrl: async (knock) => {
    await knock.send('generatePreferenceCenterSignedUrl', { params: { user_id: 'signed_url_user' } });
  },
  getPreferenceCenterConfig: async (knock, context) => {
    await knock.send('identifyUser', { params: { user_id: 'config_user' }, body: { email: 'config@example.com' } });
    await knock.send('getPreferenceCenterConfig', { params: { user_id: 'config_user' } });
    // As Knock's docs show it called from a browser: a public key and the user's own token.
    await knock.send('getPreferenceCenterConfig', { params: { user_id: 'config_user' }, headers: await context.browserHeaders('config_user') });
  },
};
