import type { ContractClient } from './contract-client';

/** What a case may use besides the client: the browser's credentials for a user, and waiting on an operation. */
export interface CaseContext {
  /** Headers of a browser signed in as `userId`: the environment's public key and a user token it signed. */
  browserHeaders(userId: string): Promise<Record<string, string>>;
  /** Polls getBulkOperation until the operation has ended, judging every answer. */
  untilEnded(operationId: string): Promise<void>;
}

/** Sends the requests of one Knock operation (the document's examples, and the state they need first). */
export type ContractCase = (knock: ContractClient, context: CaseContext) => Promise<void>;
