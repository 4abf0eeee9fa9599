import Knock from '@knocklabs/client';

/**
 * What a customer's settings page does with Knock's browser SDK, step by step; the same module runs in
 * Chromium (bundled by esbuild into the page) and in Node (when no Chromium is at hand). Each step
 * answers `{ ok, value }` or `{ ok: false, error }`, so failures cross `page.evaluate` as data.
 */
export type StepResult = { ok: true; value: unknown } | { ok: false; error: string };

type AuthenticatedUser = string | { id: string; [property: string]: unknown };

export function createKnockSteps() {
  let knock: Knock | null = null;
  const current = () => {
    if (!knock) throw new Error('call authenticate first');
    return knock;
  };
  const attempt = async (work: () => Promise<unknown>): Promise<StepResult> => {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return {
    /** `new Knock(publicKey, { host })` then `authenticate(user, token)`, as the SDK's docs show. */
    authenticate(host: string, publicKey: string, user: AuthenticatedUser, userToken: string): Promise<StepResult> {
      return attempt(async () => {
        knock?.teardown();
        knock = new Knock(publicKey, { host });
        knock.authenticate(user, userToken);
        return knock.isAuthenticated(true);
      });
    },
    getAllPreferences: () => attempt(() => current().user.getAllPreferences()),
    getPreferences: (options: { preferenceSet?: string; tenant?: string } = {}) => attempt(() => current().user.getPreferences(options)),
    setPreferences: (preferences: Record<string, unknown>, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().user.setPreferences(preferences, options)),
    // The granular setters of `knock.preferences`, deprecated by Knock and still shipped in 0.22.
    setChannelTypes: (settings: Record<string, boolean>, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().preferences.setChannelTypes(settings as never, options)),
    setChannelType: (type: string, setting: boolean, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().preferences.setChannelType(type as never, setting, options)),
    setWorkflows: (settings: Record<string, unknown>, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().preferences.setWorkflows(settings as never, options)),
    setWorkflow: (key: string, setting: unknown, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().preferences.setWorkflow(key, setting as never, options)),
    setCategories: (settings: Record<string, unknown>, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().preferences.setCategories(settings as never, options)),
    setCategory: (key: string, setting: unknown, options: { preferenceSet?: string } = {}) =>
      attempt(() => current().preferences.setCategory(key, setting as never, options)),
    getUser: () => attempt(() => current().user.get()),
    /**
     * Knock's preference-center config, read from the page as Knock's docs show it: a GET of
     * `/v1/users/:id/preference_center/config` with the public key and the user's token, sent by the SDK's
     * own API client (0.22 has no method of its own for it).
     */
    getPreferenceCenterConfig: (params: { tenant?: string } = {}) =>
      attempt(async () => {
        const knockClient = current();
        const res = await knockClient.client().makeRequest({ method: 'GET', url: `/v1/users/${encodeURIComponent(String(knockClient.userId))}/preference_center/config`, params });
        if (res.statusCode !== 'ok') throw new Error(`Request failed with status code ${res.status}`);
        return res.body;
      }),
    identify: (properties: Record<string, unknown>) => attempt(() => current().user.identify(properties)),
  };
}

export type KnockSteps = ReturnType<typeof createKnockSteps>;
