import type { ContractCase } from './contract-case';

/** Subscriptions of objects. Each case first sets the object subscribed to, as Knock's docs ask. */
export const subscriptionCases: Record<string, ContractCase> = {
  addSubscriptionsForObject: async (knock) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_1' }, body: { name: 'project_1' } });
    await knock.send('addSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_1' } });
  },
  deleteSubscriptionsForObject: async (knock) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_2' }, body: { name: 'project_2' } });
    await knock.send('addSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_2' }, body: { recipients: ['user_123', 'user_456'] } });
    await knock.send('deleteSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_2' } });
  },
  listSubscriptionsForObject: async (knock) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_3' }, body: { name: 'project_3' } });
    await knock.send('addSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_3' }, body: { recipients: ['user_a', 'user_b'], properties: { role: 'owner' } } });
    const first = await knock.send('listSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_3' }, query: { page_size: '1' } });
    const after = (first.body as { page_info: { after: string } }).page_info.after;
    await knock.send('listSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_3' }, query: { page_size: '1', after } });
    await knock.send('listSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_3' }, query: { 'recipients[]': 'user_b' } });
  },
  listSubscriptionsForUser: async (knock) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_4' }, body: { name: 'project_4' } });
    await knock.send('addSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_4' }, body: { recipients: [{ id: 'user_c', name: 'C' }] } });
    await knock.send('listSubscriptionsForUser', { params: { user_id: 'user_c' } });
  },
};
