import type { ContractCase } from './contract-case';

/** Bulk operations: each case starts one with the document's example and follows it to its end. */
const started = (body: unknown): string => (body as { id: string }).id;

export const bulkCases: Record<string, ContractCase> = {
  bulkSetUserPreferences: async (knock, context) => {
    await context.untilEnded(started((await knock.send('bulkSetUserPreferences')).body));
  },
  getBulkOperation: async (knock, context) => {
    const res = await knock.send('bulkIdentifyUsers', { body: { users: [{ id: 'operation_user' }] } });
    await context.untilEnded(started(res.body));
  },
  bulkIdentifyUsers: async (knock, context) => {
    await context.untilEnded(started((await knock.send('bulkIdentifyUsers')).body));
  },
  bulkSetTenants: async (knock, context) => {
    await context.untilEnded(started((await knock.send('bulkSetTenants')).body));
  },
  bulkDeleteUsers: async (knock, context) => {
    await context.untilEnded(started((await knock.send('bulkIdentifyUsers', { body: { users: [{ id: 'user_1' }, { id: 'user_2' }] } })).body));
    await context.untilEnded(started((await knock.send('bulkDeleteUsers')).body));
  },
  bulkDeleteTenants: async (knock, context) => {
    await context.untilEnded(started((await knock.send('bulkSetTenants', { body: { tenants: ['tenant_1', 'tenant_2'] } })).body));
    await context.untilEnded(started((await knock.send('bulkDeleteTenants', { query: { 'tenant_ids[]': ['tenant_1', 'tenant_2', 'tenant_never'] } })).body));
  },
  bulkSetObjects: async (knock, context) => {
    await context.untilEnded(started((await knock.send('bulkSetObjects', { params: { collection: 'projects' } })).body));
  },
  bulkDeleteObjects: async (knock, context) => {
    const body = { objects: [{ id: 'obj_123' }, { id: 'obj_456' }] };
    await context.untilEnded(started((await knock.send('bulkSetObjects', { params: { collection: 'doomed' }, body })).body));
    await context.untilEnded(started((await knock.send('bulkDeleteObjects', { params: { collection: 'doomed' } })).body));
  },
  bulkAddSubscriptions: async (knock, context) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'project-1' }, body: { name: 'Project 1' } });
    await context.untilEnded(started((await knock.send('bulkAddSubscriptions', { params: { collection: 'projects' } })).body));
  },
  bulkDeleteSubscriptions: async (knock, context) => {
    await knock.send('setObject', { params: { collection: 'projects', id: 'subscribed-to-object-1' }, body: { name: 'Subscribed to' } });
    const subscribers = { subscriptions: [{ id: 'subscribed-to-object-1', recipients: [{ collection: 'projects', id: 'subscriber-project-1' }, 'subscriber-user-1'] }] };
    await context.untilEnded(started((await knock.send('bulkAddSubscriptions', { params: { collection: 'projects' }, body: subscribers })).body));
    await context.untilEnded(started((await knock.send('bulkDeleteSubscriptions', { params: { collection: 'projects' } })).body));
  },
};
