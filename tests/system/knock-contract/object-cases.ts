import type { ContractCase } from './contract-case';
import { requestExample } from './knock-document';

/** Objects (set, read, list, delete) and their channel data. */
const CHANNEL_ID = '97c5837d-c65c-4d54-aa39-080eeb81c69d';

export const objectCases: Record<string, ContractCase> = {
  setObject: async (knock) => {
    const example = requestExample(knock.operation('setObject')) as Record<string, unknown>;
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_1' } });
    // The example without its inline parts, while they are NOT_YET_TAKEN (differences.ts).
    const { preferences: _preferences, channel_data: _channelData, ...properties } = example;
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_1' }, body: properties });
  },
  getObject: async (knock) => {
    await knock.send('setObject', { params: { collection: 'assets', id: 'specimen_25' }, body: { name: 'Velociraptor', config: { foo: 'bar' } } });
    await knock.send('getObject', { params: { collection: 'assets', id: 'specimen_25' } });
  },
  listObjects: async (knock) => {
    for (const id of ['list_1', 'list_2', 'list_3']) await knock.send('setObject', { params: { collection: 'listed', id }, body: { name: id } });
    const first = await knock.send('listObjects', { params: { collection: 'listed' }, query: { page_size: '2' } });
    await knock.send('listObjects', { params: { collection: 'listed' }, query: { page_size: '2', after: (first.body as { page_info: { after: string } }).page_info.after } });
    await knock.send('listObjects', { params: { collection: 'listed' }, query: { 'include[]': 'preferences' } });
    await knock.send('listObjects', { params: { collection: 'empty' } });
    await knock.send('updateObjectPreferenceSet', { params: { collection: 'listed', object_id: 'list_1', id: 'default' } });
    await knock.send('listObjects', { params: { collection: 'listed' }, query: { 'include[]': 'preferences' } });
  },
  deleteObject: async (knock) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'deleted' }, body: { name: 'Gone' } });
    await knock.send('deleteObject', { params: { collection: 'projects', id: 'deleted' } });
    await knock.send('deleteObject', { params: { collection: 'projects', id: 'never_set' } });
  },
  setObjectChannelData: async (knock) => {
    await knock.send('setObjectChannelData', { params: { collection: 'devices', object_id: 'channel_object', channel_id: CHANNEL_ID } });
  },
  getObjectChannelData: async (knock) => {
    await knock.send('setObjectChannelData', { params: { collection: 'devices', object_id: 'channel_reader', channel_id: CHANNEL_ID } });
    await knock.send('getObjectChannelData', { params: { collection: 'devices', object_id: 'channel_reader', channel_id: CHANNEL_ID } });
  },
  unsetObjectChannelData: async (knock) => {
    await knock.send('setObjectChannelData', { params: { collection: 'devices', object_id: 'channel_unset', channel_id: CHANNEL_ID } });
    await knock.send('unsetObjectChannelData', { params: { collection: 'devices', object_id: 'channel_unset', channel_id: CHANNEL_ID } });
  },
};
