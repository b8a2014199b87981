import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';
import { uuidField } from '../lib/fields.js';

/** DUST credits: the signed-in user's balance and ledger, and the admins' grant. */

const LedgerEntrySchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(['starting_balance', 'debit', 'refund', 'grant']),
    amount: z.number().int().openapi({ description: 'Signed DUST: debits are negative' }),
    balance_after: z.number().int(),
    job_id: z.string().uuid().nullable(),
    reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('CreditLedgerEntry');

export const CreditsSchema = z
  .object({ balance: z.number().int(), currency: z.literal('DUST'), ledger: z.array(LedgerEntrySchema) })
  .openapi('Credits');

export const credits = createRoute({
  method: 'get',
  path: '/credits',
  operationId: 'getCredits',
  tags: ['Credits'],
  security: [{ SupabaseToken: [] }],
  summary: 'The caller’s DUST balance and its newest 100 ledger entries',
  responses: { 200: { description: 'Balance and ledger', content: { 'application/json': { schema: CreditsSchema } } }, ...errorResponses(401) },
});

export const grant = createRoute({
  method: 'post',
  path: '/api/v1/admin/credits/grant',
  operationId: 'grantCredits',
  tags: ['Admin'],
  security: [{ AdminToken: [] }],
  summary: 'Grants DUST to a user (negative to correct); with Idempotency-Key, applied once',
  request: {
    headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            user_id: uuidField('user_id', 'user_id must be the user’s id (a UUID)').transform((id) => id.toLowerCase()),
            amount: z.number({ error: 'amount must be a whole number of DUST' }).int('amount must be a whole number of DUST').min(-1_000_000).max(1_000_000).refine((value) => value !== 0, 'amount must not be 0'),
            reason: z.string().trim().min(1, 'reason must not be empty').max(500).default('admin grant'),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The balance after the grant; `applied` false when this Idempotency-Key was already applied',
      content: { 'application/json': { schema: z.object({ user_id: z.string(), balance: z.number().int(), currency: z.literal('DUST'), applied: z.boolean() }).openapi('CreditGrant') } },
    },
    ...errorResponses(400, 401, 402, 422),
  },
});
