import { isIdText, LIMITS } from './contract';
import { checkKeys, type FieldError, type Validated } from './field-errors';
import { isPlainObject, typeName } from './json';
import { validateUserInput, type UserInput } from './user-input';

/**
 * Knock's audience members requests (`POST` and `DELETE /v1/audiences/:key/members`): `members`, each a
 * user (an inline identify: id and properties) and optionally the tenant the membership is for.
 */

export interface AudienceMemberInput {
  user: UserInput;
  /** The tenant the membership is for; null for none in particular. */
  tenant: string | null;
}

/** Members of one request, at most: as many as a bulk operation's users. */
export const MAX_AUDIENCE_MEMBERS = LIMITS.bulkUsers;

/** Validates an audience key from the path. */
export function validateAudienceKey(key: string): FieldError | null {
  if (isIdText(key)) return null;
  return { field: 'key', message: `key must be 1 to ${LIMITS.idLength} characters without control characters or unpaired surrogates`, type: 'invalid_value' };
}

export function validateAudienceMembersRequest(body: unknown): Validated<AudienceMemberInput[]> {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  const errors: FieldError[] = [];
  checkKeys(body, ['members'], '', errors);
  const members = body.members;
  if (!Array.isArray(members) || members.length === 0 || members.length > MAX_AUDIENCE_MEMBERS) {
    errors.push({ field: 'members', message: `members must be an array of 1 to ${MAX_AUDIENCE_MEMBERS} members`, type: 'invalid_value' });
    return { ok: false, errors };
  }
  const result: AudienceMemberInput[] = [];
  members.forEach((member, index) => {
    const path = `members.${index}`;
    if (!isPlainObject(member)) {
      errors.push({ field: path, message: `${path} must be an object { user, tenant? }, got ${typeName(member)}`, type: 'invalid_type' });
      return;
    }
    checkKeys(member, ['user', 'tenant'], path, errors);
    const tenant = member.tenant ?? null;
    if (tenant !== null && (typeof tenant !== 'string' || !isIdText(tenant))) {
      errors.push({ field: `${path}.tenant`, message: `${path}.tenant must be a tenant id or null`, type: 'invalid_value' });
    }
    if (!('user' in member)) {
      errors.push({ field: `${path}.user`, message: `${path}.user is required`, type: 'required' });
      return;
    }
    const user = validateUserInput(member.user, null, `${path}.user`);
    if (!user.ok) errors.push(...user.errors);
    else if (typeof tenant === 'string' || tenant === null) result.push({ user: user.value, tenant });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: result };
}
