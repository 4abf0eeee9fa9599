import type { ContractCase } from './contract-case';
import { ajv } from './knock-document';

/** The subscribers of the answer that are objects, each checked against Knock's Object (see differences.ts). */
function expectObjectRecipientsFit(subscriptions: { recipient: { __typename: string } }[]): void {
  const fitsObject = ajv.getSchema('knock.json#/definitions/Object');
  const objects = subscriptions.map((subscription) => subscription.recipient).filter((recipient) => recipient.__typename === 'Object');
  expect(objects.length).toBeGreaterThan(0);
  for (const recipient of objects) expect({ recipient, fits: fitsObject?.(recipient) }).toEqual({ recipient, fits: true });
}

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
    // An object subscribed to an object (Knock's nested subscriptions), with the recipient of the bulk example.
    await knock.send('setObject', { params: { collection: 'projects', id: 'subscriber-project-1' }, body: { name: 'Subscriber' } });
    const added = await knock.send('addSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_3' }, body: { recipients: [{ collection: 'projects', id: 'subscriber-project-1' }] } });
    expectObjectRecipientsFit(added.body);
    expectObjectRecipientsFit((await knock.send('listSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_3' } })).body.entries);
  },
  listSubscriptionsForUser: async (knock) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'project_4' }, body: { name: 'project_4' } });
    await knock.send('addSubscriptionsForObject', { params: { collection: 'projects', object_id: 'project_4' }, body: { recipients: [{ id: 'user_c', name: 'C' }] } });
    await knock.send('listSubscriptionsForUser', { params: { user_id: 'user_c' } });
  },
};
