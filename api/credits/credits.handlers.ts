import type { RouteHandler } from '@hono/zod-openapi';
import { creditStatement, grantCredits, GrantKeyReusedError, InsufficientCreditsError } from '../../db/credits/ledger.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './credits.routes.js';

export const credits: RouteHandler<typeof routes.credits, AppEnv> = async (c) => {
  const { deps, user } = c.var;
  const statement = await creditStatement(deps.sql, user.id);
  return c.json(
    {
      // Before the first generation request the account does not exist yet: it will start with this.
      balance: statement.balance ?? deps.config.DUST_STARTING_BALANCE,
      currency: 'DUST' as const,
      ledger: statement.ledger.map((entry) => ({
        id: entry.id,
        kind: entry.kind,
        amount: entry.amount,
        balance_after: entry.balanceAfter,
        job_id: entry.jobId,
        reason: entry.reason,
        created_at: entry.createdAt.toISOString(),
      })),
    },
    200,
  );
};

export const grant: RouteHandler<typeof routes.grant, AppEnv> = async (c) => {
  const { deps } = c.var;
  const body = c.req.valid('json');
  try {
    const result = await grantCredits(
      deps.sql,
      { accountId: body.user_id, amount: body.amount, reason: body.reason, grantKey: c.req.valid('header')['idempotency-key'] ?? null },
      deps.config.DUST_STARTING_BALANCE,
    );
    return c.json({ user_id: body.user_id, balance: result.balance, currency: 'DUST' as const, applied: result.applied }, 200);
  } catch (error) {
    if (error instanceof InsufficientCreditsError) throw new ApiError(402, 'InsufficientCredits', `The correction would take the balance below 0 (it is ${error.balance}).`);
    if (error instanceof GrantKeyReusedError) throw new ApiError(422, 'IdempotencyKeyReused', error.message);
    throw error;
  }
};
