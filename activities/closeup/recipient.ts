import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../../db/client.js';
import { decryptPhone, type PhoneKeys } from '../../lib/phone-crypto.js';

/** The job owner's number, decrypted only inside the activity that needs it (never in workflow history). */
export function createRecipientResolver(sql: Sql, keys: PhoneKeys) {
  return async (jobId: number): Promise<string> => {
    const [row] = await sql<{ phone_encrypted: Buffer }[]>`
      select u.phone_encrypted from video_jobs j join users u on u.id = j.user_id where j.id = ${jobId}`;
    if (!row) throw ApplicationFailure.nonRetryable(`job ${jobId} does not exist`, 'JOB_NOT_FOUND');
    return decryptPhone(keys, row.phone_encrypted);
  };
}
