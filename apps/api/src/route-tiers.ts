import type { RateTier } from './rate-limit';

/**
 * Knock's rate tier of every `/v1` endpoint, by method and route template (as `route-templates.ts` names
 * them from the OpenAPI document): the one place that says so. The limit is checked from here before the
 * body is read; the document's descriptions say the same tiers (a test holds them together).
 */
export const ROUTE_TIERS: Readonly<Record<string, RateTier>> = {
  'POST /v1/users/bulk/preferences': 1,
  'POST /v1/users/bulk/identify': 1,
  'POST /v1/users/bulk/delete': 1,
  'POST /v1/tenants/bulk/set': 1,
  'POST /v1/objects/:collection/bulk/set': 1,
  'POST /v1/objects/:collection/bulk/delete': 1,
  'POST /v1/tenants/bulk/delete': 1,
  'GET /v1/bulk_operations': 4,
  'GET /v1/bulk_operations/:id': 4,
  'GET /v1/users/:user_id/preferences': 4,
  'GET /v1/users/:user_id/preferences/:id': 4,
  'PUT /v1/users/:user_id/preferences/:id': 3,
  'DELETE /v1/users/:user_id/preferences/:id': 3,
  'PUT /v1/users/:user_id/preferences/:id/channel_types': 3,
  'PUT /v1/users/:user_id/preferences/:id/channel_types/:type': 3,
  'PUT /v1/users/:user_id/preferences/:id/workflows': 3,
  'PUT /v1/users/:user_id/preferences/:id/workflows/:key': 3,
  'PUT /v1/users/:user_id/preferences/:id/categories': 3,
  'PUT /v1/users/:user_id/preferences/:id/categories/:key': 3,
  'GET /v1/users/:user_id/preferences/:id/effective': 4,
  'GET /v1/environment/preferences': 4,
  'PUT /v1/environment/preferences': 3,
  'GET /v1/tenants': 4,
  'GET /v1/tenants/:id': 4,
  'PUT /v1/tenants/:id': 3,
  'DELETE /v1/tenants/:id': 3,
  'GET /v1/users': 4,
  'GET /v1/users/:id': 4,
  'PUT /v1/users/:id': 3,
  'DELETE /v1/users/:id': 3,
  'POST /v1/users/:id/merge': 2,
  'GET /v1/users/:user_id/channel_data/:channel_id': 4,
  'PUT /v1/users/:user_id/channel_data/:channel_id': 3,
  'DELETE /v1/users/:user_id/channel_data/:channel_id': 3,
  'GET /v1/objects/:collection': 4,
  'GET /v1/objects/:collection/:id': 4,
  'PUT /v1/objects/:collection/:id': 3,
  'DELETE /v1/objects/:collection/:id': 3,
  'GET /v1/objects/:collection/:object_id/channel_data/:channel_id': 4,
  'PUT /v1/objects/:collection/:object_id/channel_data/:channel_id': 3,
  'DELETE /v1/objects/:collection/:object_id/channel_data/:channel_id': 3,
  'POST /v1/preferences/evaluate': 3,
  'POST /v1/audiences/:key/members': 3,
  'GET /v1/audiences/:key/members': 4,
  'DELETE /v1/audiences/:key/members': 3,
  'GET /v1/preference_center': 4,
  'PUT /v1/preference_center': 3,
  'POST /v1/users/:user_id/links': 4,
  'POST /v1/users/:user_id/preference_center/signed_url': 3,
  'GET /v1/users/:user_id/preference_center/config': 4,
  'GET /v1/users/:user_id/unsubscribes': 4,
  'POST /v1/webhooks': 3,
  'GET /v1/webhooks': 4,
  'GET /v1/webhooks/:id': 4,
  'PATCH /v1/webhooks/:id': 3,
  'DELETE /v1/webhooks/:id': 3,
  'POST /v1/webhooks/:id/rotate_secret': 3,
  'GET /v1/webhooks/:id/deliveries': 4,
  'POST /v1/webhooks/:id/deliveries/:delivery_id/retry': 3,
};

/** The tier of a method (HEAD is GET) on a route template, or undefined for one not listed. */
export function tierOf(method: string, template: string): RateTier | undefined {
  return ROUTE_TIERS[`${method === 'HEAD' ? 'GET' : method} ${template}`];
}
