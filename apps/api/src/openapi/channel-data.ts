import { CHANNEL_DATA_MAX_BYTES, MAX_ID_LENGTH, PATTERNS } from '@prefs/core';
import { json, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';
import { collectionParameter, objectIdParameter } from './objects';

/** OpenAPI: Knock's channel data of a user (get, set, unset), in the shapes of Knock's document. */

const text: Schema = { type: 'string', pattern: PATTERNS.storableText };
const nullableText: Schema = { type: ['string', 'null'], pattern: PATTERNS.storableText };
const uuid: Schema = { type: 'string', pattern: PATTERNS.uuid };
const nullableUuid: Schema = { type: ['string', 'null'], pattern: PATTERNS.uuid };
const closed = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, required, additionalProperties: false });
const incomingWebhook = closed({ incoming_webhook: closed({ url: text }, ['url']) }, ['incoming_webhook']);
// Closed, so a connection with `incoming_webhook` is never also a token connection (oneOf holds once).
const tokenConnection: Schema = closed({
  access_token: nullableText,
  channel_id: nullableText,
  channel_name: nullableText,
  user_id: nullableText,
  ms_teams_channel_id: nullableUuid,
  ms_teams_team_id: nullableUuid,
  ms_teams_tenant_id: nullableUuid,
  ms_teams_user_id: nullableUuid,
});
const device = (key: 'token' | 'target_arn'): Schema => closed({ [key]: text, locale: nullableText, timezone: nullableText }, [key]);

const playerIds = closed({ player_ids: { type: 'array', items: uuid } }, ['player_ids']);
const chat = closed(
  {
    connections: { type: 'array', items: { oneOf: [incomingWebhook, tokenConnection] } },
    token: { anyOf: [{ type: 'null' }, closed({ access_token: nullableText }, ['access_token'])] },
    ms_teams_tenant_id: nullableUuid,
  },
  ['connections'],
);
/** Push or AWS SNS data as answered: the list and the devices both (Knock's `...ChannelDataFull`). */
const full = (list: 'tokens' | 'target_arns', key: 'token' | 'target_arn'): Schema =>
  closed({ [list]: { type: 'array', items: text }, devices: { type: 'array', items: closed({ [key]: text, locale: nullableText, timezone: nullableText }, [key, 'locale', 'timezone']) } }, [list, 'devices']);

export const channelDataSchemas: Record<string, Schema> = {
  ChannelDataValue: {
    description: `One channel's data, in one of the shapes of Knock's document (push tokens or devices, AWS SNS target ARNs or devices, OneSignal player ids, or chat connections for Slack, Microsoft Teams and Discord). At most ${CHANNEL_DATA_MAX_BYTES} bytes of JSON.`,
    oneOf: [
      closed({ tokens: { type: 'array', items: text } }, ['tokens']),
      closed({ devices: { type: 'array', items: { oneOf: [device('token'), device('target_arn')] } } }, ['devices']),
      closed({ target_arns: { type: 'array', items: text } }, ['target_arns']),
      playerIds,
      chat,
    ],
  },
  ChannelDataAnswer: {
    description: "One channel's data as answered: push data with both its tokens and its devices, AWS SNS data with both its target ARNs and its devices (whichever was written), other shapes as written.",
    oneOf: [full('tokens', 'token'), full('target_arns', 'target_arn'), playerIds, chat],
  },
  ChannelDataRequest: closed({ data: ref('ChannelDataValue') }, ['data']),
  ChannelData: {
    type: 'object',
    description: "A recipient's data for one channel.",
    properties: { __typename: { const: 'ChannelData' }, channel_id: { type: 'string', format: 'uuid' }, data: ref('ChannelDataAnswer') },
    required: ['__typename', 'channel_id', 'data'],
    additionalProperties: false,
  },
};

const channelId = { name: 'channel_id', in: 'path', required: true, description: "The channel's id (a UUID; stored in lower case).", schema: { type: 'string', format: 'uuid' } };
const userId = { name: 'user_id', in: 'path', required: true, description: 'The unique identifier of the user.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } };

/** The three operations on one recipient's channel data, for users and objects alike. */
function channelDataOperations(recipient: 'user' | 'object', tag: string, parameters: Schema[]): Record<string, Schema> {
  const Recipient = recipient === 'user' ? 'User' : 'Object';
  return {
    get: {
      operationId: `get${Recipient}ChannelData`,
      tags: [tag],
      summary: `Get ${recipient === 'user' ? 'a user' : 'an object'}'s channel data`,
      description: `The data stored for this ${recipient} and channel; 404 when none is. Rate tier 4.`,
      parameters,
      responses: { '200': response('The channel data.', ref('ChannelData')), ...v1Errors('404', '422') },
    },
    put: {
      operationId: `set${Recipient}ChannelData`,
      tags: [tag],
      summary: `Set ${recipient === 'user' ? 'a user' : 'an object'}'s channel data`,
      description: `Replaces the data stored for this ${recipient} and channel. The ${recipient} need not be ${recipient === 'user' ? 'identified' : 'set'} first. Rate tier 3.`,
      parameters,
      requestBody: { required: true, content: json(ref('ChannelDataRequest')) },
      responses: { '200': response('The channel data as stored.', ref('ChannelData')), ...v1BodyErrors() },
    },
    delete: {
      operationId: `unset${Recipient}ChannelData`,
      tags: [tag],
      summary: `Unset ${recipient === 'user' ? 'a user' : 'an object'}'s channel data`,
      description: `Removes the data stored for this ${recipient} and channel; 204 also when none was stored. Rate tier 3.`,
      parameters,
      responses: { '204': { description: 'Removed, or none was stored.' }, ...v1Errors('422') },
    },
  };
}

export const channelDataPaths: Paths = {
  '/v1/users/{user_id}/channel_data/{channel_id}': channelDataOperations('user', 'Users', [userId, channelId]),
  '/v1/objects/{collection}/{object_id}/channel_data/{channel_id}': channelDataOperations('object', 'Objects', [collectionParameter, objectIdParameter('object_id'), channelId]),
};
