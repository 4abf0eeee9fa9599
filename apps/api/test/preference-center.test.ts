import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/** The preference center: its layout endpoints, and the page over HTTP (no browser: see tests/system for one). */
const t = useApiTestContext();
const condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };
const LAYOUT = {
  title: 'Your Acme notifications',
  description: 'Pick what we send you.',
  rows: [
    { key: 'categories.product', label: 'Product news', description: 'New features', channel_types: ['email', 'sms'] },
    { key: 'categories.billing', label: 'Billing' },
    { key: 'workflows.digest', label: 'Weekly digest' },
  ],
};

async function tokenFor(userId: string, body: object = {}): Promise<string> {
  const res = await request(t.api.app).post(`/v1/users/${encodeURIComponent(userId)}/links`).set(t.auth()).send(body);
  return new URL(res.body.manage_preferences_url).searchParams.get('t') as string;
}
const page = (token: string) => request(t.api.app).get('/preferences').query({ t: token });
const stored = async (userId: string) => (await request(t.api.app).get(`/v1/users/${encodeURIComponent(userId)}/preferences/default`).set(t.auth())).body;
const putSet = (userId: string, body: object) => request(t.api.app).put(`/v1/users/${encodeURIComponent(userId)}/preferences/default`).set(t.auth()).send(body);
const name = (...path: string[]) => JSON.stringify(path);

/** The form fields the page holds: every `was:` value, and the `set:` checkboxes that are checked. */
function formOf(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[decode(match[1])] = decode(match[2]);
  // As a browser submits it: checked boxes only, and never disabled ones.
  for (const match of html.matchAll(/<input class="switch"[^>]*name="([^"]+)" value="1"( checked)?( disabled)?/g)) {
    if (match[2] && !match[3]) fields[decode(match[1])] = '1';
  }
  return fields;
}

describe('PUT and GET /v1/preference_center', () => {
  it('stores the layout and reads it back; 404 before there is one', async () => {
    expect((await request(t.api.app).get('/v1/preference_center').set(t.auth(t.otherKey))).status).toBe(404);
    const put = await request(t.api.app).put('/v1/preference_center').set(t.auth()).send(LAYOUT);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      __typename: 'PreferenceCenter',
      title: LAYOUT.title,
      description: LAYOUT.description,
      rows: [
        { key: 'categories.product', label: 'Product news', description: 'New features', channel_types: ['email', 'sms'] },
        { key: 'categories.billing', label: 'Billing', description: null, channel_types: null },
        { key: 'workflows.digest', label: 'Weekly digest', description: null, channel_types: null },
      ],
      updated_at: expect.stringMatching(/Z$/),
    });
    expect((await request(t.api.app).get('/v1/preference_center').set(t.auth())).body).toEqual(put.body);
  });

  it('refuses bad layouts naming each field, and writes nothing', async () => {
    const res = await request(t.api.app).put('/v1/preference_center').set(t.auth(t.otherKey)).send({
      title: '',
      rows: [
        { key: 'channel_types.email', label: 'x' },
        { key: 'categories.a', label: 'A', channel_types: ['fax', 'email', 'email'] },
        { key: 'categories.a', label: 'again' },
        { key: 'channels.not-a-uuid', label: 'c' },
        { key: 'channels.4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', label: 'c', channel_types: ['email'] },
        'row',
      ],
      colour: 'red',
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((error: { field: string }) => error.field)).toEqual([
      'colour', 'title', 'rows.0.key', 'rows.1.channel_types.0', 'rows.1.channel_types.2', 'rows.2.key', 'rows.3.key', 'rows.4.channel_types', 'rows.5',
    ]);
    expect((await request(t.api.app).get('/v1/preference_center').set(t.auth(t.otherKey))).status).toBe(404);
  });
});

describe('GET /preferences', () => {
  it('shows the layout\'s rows over the effective set: commercial row always, toggles per channel type, conditions read-only', async () => {
    await request(t.api.app).put('/v1/preference_center').set(t.auth()).send(LAYOUT);
    await request(t.api.app).put('/v1/environment/preferences').set(t.auth()).send({ categories: { billing: false } });
    await putSet('ann', { categories: { product: { channel_types: { sms: { conditions: [condition] } } } }, workflows: { digest: { conditions: [condition] } } });
    const res = await page(await tokenFor('ann'));
    expect(res.status).toBe(200);
    const form = formOf(res.text);
    expect(form).toEqual({
      t: expect.any(String),
      [`was:${name('commercial_subscribed')}`]: '1',
      [`set:${name('commercial_subscribed')}`]: '1',
      [`was:${name('categories', 'product', 'channel_types', 'email')}`]: '1',
      [`set:${name('categories', 'product', 'channel_types', 'email')}`]: '1',
      // From the environment default: billing off.
      [`was:${name('categories', 'billing')}`]: '0',
    });
    // The sms cell and the digest row have conditions: shown disabled, with no was: field to submit.
    expect(res.text).toMatch(/name="set:\[&quot;categories&quot;,&quot;product&quot;,&quot;channel_types&quot;,&quot;sms&quot;\]" value="1" checked disabled/);
    expect(res.text).toMatch(/name="set:\[&quot;workflows&quot;,&quot;digest&quot;\]" value="1" checked disabled/);
    expect(res.text).toContain('Marketing and promotional messages');
    expect(res.text).toContain('<legend class="sr-only">Product news</legend>');
  });

  it('without a layout shows the categories and workflows of the environment default set', async () => {
    await request(t.api.app).put('/v1/environment/preferences').set(t.auth(t.otherKey)).send({ categories: { 'weekly-news': true }, workflows: { alerts: false } });
    const res = await request(t.api.app).post('/v1/users/zed/links').set(t.auth(t.otherKey)).send({});
    const html = (await request(t.api.app).get(new URL(res.body.manage_preferences_url).pathname + new URL(res.body.manage_preferences_url).search)).text;
    expect(html).toContain('<legend class="sr-only">Weekly news</legend>');
    expect(html).toContain('<legend class="sr-only">Alerts</legend>');
    expect(html).toContain('<h1 id="title">Notification preferences</h1>');
  });

  it('is self-contained and locked down: strict CSP with a nonce, no framing, no referrer, no cookie, nothing external', async () => {
    const res = await page(await tokenFor('ann'));
    const csp = res.headers['content-security-policy'];
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("img-src 'none'");
    expect(res.text).toContain(`<script nonce="${nonce}">`);
    expect(res.text).toContain(`<style nonce="${nonce}">`);
    expect(res.text).not.toMatch(/(src|href)="https?:/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    const again = await page(await tokenFor('ann'));
    expect(/'nonce-([^']+)'/.exec(again.headers['content-security-policy'])?.[1]).not.toBe(nonce);
  });

  it('escapes everything from the layout and the tenant', async () => {
    await request(t.api.app).put('/v1/preference_center').set(t.auth()).send({
      title: '<script>alert(1)</script>',
      rows: [{ key: 'categories.x"><img src=x onerror=alert(1)>', label: '<b>bold</b>', description: '" onmouseover="x' }],
    });
    await request(t.api.app).put('/v1/tenants/evil').set(t.auth()).send({ name: '</title><script>x</script>', settings: { branding: { primary_color: '#123456' } } });
    const html = (await page(await tokenFor('ann', { tenant: 'evil' }))).text;
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bold');
    expect(html).not.toContain('</title><script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    await request(t.api.app).put('/v1/preference_center').set(t.auth()).send(LAYOUT);
  });

  it('a link made with a tenant shows its branding: the logo (the only thing loaded from elsewhere) and the colour', async () => {
    await request(t.api.app).put('/v1/tenants/acme').set(t.auth()).send({
      name: 'Acme',
      settings: { branding: { logo_url: 'https://cdn.acme.test/logo.png', primary_color: '#0f766e', primary_color_contrast: '#ffffff' } },
    });
    const res = await page(await tokenFor('ann', { tenant: 'acme' }));
    expect(res.text).toContain('<img src="https://cdn.acme.test/logo.png" alt="Acme">');
    expect(res.text).toContain('--primary:#0f766e;--on-primary:#ffffff');
    expect(res.headers['content-security-policy']).toContain('img-src https://cdn.acme.test;');
  });

  it("the Content-Security-Policy names only a logo's scheme, host and port", async () => {
    await request(t.api.app).put('/v1/tenants/ported').set(t.auth()).send({ settings: { branding: { logo_url: 'https://cdn.ported.test:8443/a/logo.png?v=1', icon_url: 'http://[::1]:8080/i.png' } } });
    const res = await page(await tokenFor('ann', { tenant: 'ported' }));
    expect(res.headers['content-security-policy']).toContain('img-src https://cdn.ported.test:8443 http://[::1]:8080;');
  });

  it('a logo stored before the host rule (a host that could end the directive) never reaches the header or the page', async () => {
    for (const logo of ['https://a;sandbox/logo.png', "https://a'b.test/l.png", 'https://a,b.test/l.png', 'https://a%3Bscript-src%20*/l.png']) {
      await t.env.db.tenant.upsert({
        where: { environmentId_id: { environmentId: t.env.environmentId, id: 'legacy' } },
        create: { environmentId: t.env.environmentId, id: 'legacy', name: 'Legacy', branding: { logo_url: logo } },
        update: { branding: { logo_url: logo } },
      });
      const res = await page(await tokenFor('ann', { tenant: 'legacy' }));
      expect(res.status).toBe(200);
      expect({ logo, csp: res.headers['content-security-policy'] }).toEqual({ logo, csp: expect.stringContaining("img-src 'none';") });
      expect(res.headers['content-security-policy']).not.toMatch(/sandbox|script-src \*/);
      expect(res.text).not.toContain('<img');
      expect(res.text).toContain('<span class="name">Legacy</span>');
    }
  });

  it('names what its unsubscribe link turns off: all marketing, or the link\'s scope', async () => {
    expect((await page(await tokenFor('ann'))).text).toContain('>Unsubscribe from marketing and promotional messages</a>');
    expect((await page(await tokenFor('ann', { scope: 'categories.weekly' }))).text).toContain('>Unsubscribe from “weekly” messages</a>');
  });

  it('a tampered link answers a page in words (400), not a stack trace', async () => {
    const token = await tokenFor('ann');
    const res = await page(`${token.slice(0, -4)}AAAA`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('This link is not valid');
    expect(res.text).not.toMatch(/Error:|at \S+\.js/);
  });
});

describe('POST /preferences', () => {
  it('without JavaScript: writes a merge of only the toggles changed, and answers the page with the state kept', async () => {
    await putSet('bob', { categories: { product: { channel_types: { email: true } }, other: true }, channel_types: { push: false } });
    const token = await tokenFor('bob');
    const form = formOf((await page(token)).text);
    delete form[`set:${name('categories', 'product', 'channel_types', 'email')}`];
    form[`set:${name('categories', 'billing')}`] = '1';
    const res = await request(t.api.app).post('/preferences').type('form').send(form);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your preferences are saved.');
    expect(await stored('bob')).toMatchObject({
      categories: { product: { channel_types: { email: false } }, other: true, billing: true },
      channel_types: { push: false },
      commercial_subscribed: null,
    });
    expect(formOf(res.text)[`was:${name('categories', 'product', 'channel_types', 'email')}`]).toBe('0');
  });

  it('with JavaScript: answers JSON; turning commercial messages off records an unsubscribe', async () => {
    const token = await tokenFor('cy');
    const form = formOf((await page(token)).text);
    delete form[`set:${name('commercial_subscribed')}`];
    const res = await request(t.api.app).post('/preferences').type('form').set('Accept', 'application/json').send(form);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ saved: true, changed: 1, message: 'Your preferences are saved.' });
    expect((await stored('cy')).commercial_subscribed).toBe(false);
    const events = (await request(t.api.app).get('/v1/users/cy/unsubscribes').set(t.auth())).body.entries;
    expect(events).toEqual([expect.objectContaining({ source: 'preference_center', scope: null })]);
  });

  it('a toggle the page did not offer, a read-only one, or a tampered token: 400, nothing written', async () => {
    await putSet('dee', { workflows: { digest: { conditions: [condition] } } });
    const token = await tokenFor('dee');
    const before = await stored('dee');
    const attempts = [
      { t: token, [`was:${name('categories', 'secret')}`]: '1' },
      { t: token, [`was:${name('workflows', 'digest')}`]: '1' },
      { t: token, [`was:${name('commercial_subscribed')}`]: '2' },
      { t: `${token}x`, [`was:${name('commercial_subscribed')}`]: '1' },
      { [`was:${name('commercial_subscribed')}`]: '1' },
    ];
    for (const attempt of attempts) {
      const res = await request(t.api.app).post('/preferences').type('form').send(attempt);
      expect(res.status).toBe(400);
      expect(res.text).not.toMatch(/Error:|at \S+\.js/);
    }
    expect(await stored('dee')).toEqual(before);
  });
});
