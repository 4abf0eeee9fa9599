import type { BulkSetPreferencesInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import type { SetPreferencesStoredInput } from './preferences-input';
import { preferencesMerge } from './preferences-merge';
import { preferencesReplace } from './preferences-replace';

/** The operation a validated bulk set-preferences request records: of the kind its strategy names. */
export function setPreferencesOperation(input: BulkSetPreferencesInput): NewBulkOperation {
  const stored: SetPreferencesStoredInput = { set_id: input.setId, document: input.document };
  return {
    kind: input.strategy === 'merge' ? preferencesMerge : preferencesReplace,
    // Replace and merge of one set wait for each other; other sets never do.
    scope: `preferences:${input.setId}`,
    keys: input.userIds,
    input: stored,
  };
}
