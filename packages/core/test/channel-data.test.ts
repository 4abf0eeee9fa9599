import { CHANNEL_DATA_MAX_BYTES, validateChannelData, validateChannelDataRequest, validateChannelId, validateInlineChannelData } from '../src/channel-data';

const fieldsOf = (result: { ok: boolean; errors?: { field: string }[] }) => (result.ok ? [] : (result.errors ?? []).map((error) => error.field));

describe('channel data', () => {
  // One value of each of the document's channel-data request shapes.
  const SHAPES: [string, unknown][] = [
    ['push tokens', { tokens: ['push_token_1'] }],
    ['push devices', { devices: [{ token: 'device_token', locale: 'en-US', timezone: null }] }],
    ['AWS SNS target ARNs', { target_arns: ['arn:aws:sns:us-east-1:123:endpoint/x'] }],
    ['AWS SNS devices', { devices: [{ target_arn: 'arn:aws:sns:us-east-1:123:endpoint/x', locale: null }] }],
    ['OneSignal player ids', { player_ids: ['123e4567-e89b-12d3-a456-426614174000'] }],
    ['Slack', { connections: [{ access_token: 'xoxb', channel_id: 'C1', user_id: null }, { incoming_webhook: { url: 'https://hooks.slack.test/x' } }], token: { access_token: 'xoxp' } }],
    ['Microsoft Teams', { connections: [{ ms_teams_team_id: '123e4567-e89b-12d3-a456-426614174000', ms_teams_channel_id: null }], ms_teams_tenant_id: null }],
    ['Discord', { connections: [{ channel_id: '123' }, { incoming_webhook: { url: 'https://discord.test/h' } }] }],
  ];

  it.each(SHAPES)('accepts %s as sent', (_name, data) => {
    expect(validateChannelData(data, 'data')).toEqual({ ok: true, value: data });
  });

  it('names the field of each wrong part', () => {
    expect(fieldsOf(validateChannelData({ tokens: ['a', 7] }, 'data'))).toEqual(['data.tokens.1']);
    expect(fieldsOf(validateChannelData({ tokens: ['a'], extra: 1 }, 'data'))).toEqual(['data.extra']);
    expect(fieldsOf(validateChannelData({ devices: [{ locale: 'en' }] }, 'data'))).toEqual(['data.devices.0']);
    expect(fieldsOf(validateChannelData({ devices: [{ token: 'a', target_arn: 'b' }] }, 'data'))).toEqual(['data.devices.0']);
    expect(fieldsOf(validateChannelData({ player_ids: ['not-a-uuid'] }, 'data'))).toEqual(['data.player_ids.0']);
    expect(fieldsOf(validateChannelData({ connections: [{ incoming_webhook: {} }] }, 'data'))).toEqual(['data.connections.0.incoming_webhook.url']);
    expect(fieldsOf(validateChannelData({ connections: [{ ms_teams_user_id: 'x' }] }, 'data'))).toEqual(['data.connections.0.ms_teams_user_id']);
    expect(fieldsOf(validateChannelData({ connections: [], unknown: true }, 'data'))).toEqual(['data.unknown']);
    expect(fieldsOf(validateChannelData({ tokens: ['a\u0000'] }, 'data'))).toEqual(['data.tokens.0']);
    expect(fieldsOf(validateChannelData([], 'data'))).toEqual(['data']);
    expect(fieldsOf(validateChannelData({}, 'data'))).toEqual(['data']);
  });

  it(`refuses one channel's data over ${CHANNEL_DATA_MAX_BYTES} bytes of JSON, and takes it at the limit`, () => {
    // {"tokens":["…"]} is 15 bytes around the token.
    const atLimit = { tokens: ['x'.repeat(CHANNEL_DATA_MAX_BYTES - 15)] };
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(CHANNEL_DATA_MAX_BYTES);
    expect(validateChannelData(atLimit, 'data').ok).toBe(true);
    const over = validateChannelData({ tokens: ['x'.repeat(CHANNEL_DATA_MAX_BYTES - 14)] }, 'data');
    expect(over).toMatchObject({ ok: false, errors: [{ field: 'data', type: 'too_large' }] });
  });

  it('takes a ChannelDataRequest body { data } only', () => {
    expect(validateChannelDataRequest({ data: { tokens: ['t'] } })).toEqual({ ok: true, value: { tokens: ['t'] } });
    expect(fieldsOf(validateChannelDataRequest({}))).toEqual(['data']);
    expect(fieldsOf(validateChannelDataRequest({ data: { tokens: [] }, other: 1 }))).toEqual(['other']);
    expect(fieldsOf(validateChannelDataRequest('x'))).toEqual(['body']);
  });

  it('stores a channel id in lower case, and refuses one that is no UUID', () => {
    expect(validateChannelId('97C5837D-C65C-4D54-AA39-080EEB81C69D', 'channel_id')).toEqual({ ok: true, value: '97c5837d-c65c-4d54-aa39-080eeb81c69d' });
    expect(fieldsOf(validateChannelId('push', 'channel_id'))).toEqual(['channel_id']);
  });

  it('validates an inline channel_data map by channel, naming each wrong entry', () => {
    const id = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
    expect(validateInlineChannelData({ [id.toUpperCase()]: { tokens: ['push_token_xxx'] } }, 'channel_data')).toEqual({ ok: true, value: { [id]: { tokens: ['push_token_xxx'] } } });
    expect(fieldsOf(validateInlineChannelData({ push: { tokens: [] }, [id]: { tokens: [1] } }, 'users.2.channel_data'))).toEqual(['users.2.channel_data.push', `users.2.channel_data.${id}.tokens.0`]);
    expect(fieldsOf(validateInlineChannelData([], 'channel_data'))).toEqual(['channel_data']);
  });
});

describe('uniting two recipients\' channel data (merge users)', () => {
  it('keeps the target\'s entries first and adds the source\'s it lacks; the target\'s other fields win', async () => {
    const { uniteChannelData } = await import('../src/channel-data');
    expect(uniteChannelData({ tokens: ['a', 'b'] }, { tokens: ['b', 'c'] })).toEqual({ tokens: ['a', 'b', 'c'] });
    expect(uniteChannelData({ devices: [{ token: 't1', locale: 'fr' }] }, { devices: [{ token: 't1', locale: 'en' }, { token: 't2' }] })).toEqual({
      devices: [{ token: 't1', locale: 'fr' }, { token: 't2' }],
    });
    expect(uniteChannelData({ connections: [{ channel_id: '1' }], ms_teams_tenant_id: null }, { connections: [{ channel_id: '2' }], ms_teams_tenant_id: 'x' })).toEqual({
      connections: [{ channel_id: '1' }, { channel_id: '2' }],
      ms_teams_tenant_id: null,
    });
    // Different shapes are not mixed: the target's is kept.
    expect(uniteChannelData({ tokens: ['a'] }, { player_ids: ['p'] })).toEqual({ tokens: ['a'] });
  });
});

describe('channel data as answered', () => {
  it("answers push and AWS SNS data with both their list and their devices, as Knock's document's full shapes", async () => {
    const { channelDataAsAnswered } = await import('../src/channel-data');
    expect(channelDataAsAnswered({ tokens: ['a'] })).toEqual({ tokens: ['a'], devices: [{ token: 'a', locale: null, timezone: null }] });
    expect(channelDataAsAnswered({ devices: [{ token: 'a', locale: 'fr' }] })).toEqual({ tokens: ['a'], devices: [{ token: 'a', locale: 'fr', timezone: null }] });
    expect(channelDataAsAnswered({ target_arns: ['arn'] })).toEqual({ target_arns: ['arn'], devices: [{ target_arn: 'arn', locale: null, timezone: null }] });
    expect(channelDataAsAnswered({ devices: [{ target_arn: 'arn', timezone: 'UTC' }] })).toEqual({ target_arns: ['arn'], devices: [{ target_arn: 'arn', locale: null, timezone: 'UTC' }] });
    expect(channelDataAsAnswered({ devices: [] })).toEqual({ tokens: [], devices: [] });
    expect(channelDataAsAnswered({ player_ids: ['p'] })).toEqual({ player_ids: ['p'] });
    expect(channelDataAsAnswered({ connections: [], ms_teams_tenant_id: null })).toEqual({ connections: [], ms_teams_tenant_id: null });
  });
});
