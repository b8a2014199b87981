import type { Queryable, Sql, Tx } from '../client.js';

/**
 * DUST credits: an append-only ledger and the balance it adds up to, always written together in
 * one transaction with the account row locked. A job's debit and its refund are unique per
 * (job, kind) in the ledger, so neither can be applied twice whatever repeats the call.
 */

export type LedgerKind = 'starting_balance' | 'debit' | 'refund' | 'grant';

export interface LedgerEntry {
  id: number;
  kind: LedgerKind;
  /** Signed DUST: a debit is negative. */
  amount: number;
  balanceAfter: number;
  /** The job (UUID key) a debit or refund is for. */
  jobId: string | null;
  reason: string | null;
  createdAt: Date;
}

/** Not enough DUST for the job: the API answers 402 with these figures. */
export class InsufficientCreditsError extends Error {
  override readonly name = 'InsufficientCreditsError';
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super(`This needs ${required} DUST; the balance is ${balance}.`);
  }
}

/**
 * Creates the signed-in user's account on first sight, with `startingBalance` DUST recorded as its
 * first ledger entry. Safe to race: one account, one starting entry.
 */
export async function ensureAccount(tx: Tx, account: { id: string; email?: string | null }, startingBalance: number): Promise<void> {
  const [created] = await tx<{ id: string }[]>`
    insert into accounts (id, email, dust_balance) values (${account.id}, ${account.email ?? null}, ${startingBalance})
    on conflict (id) do nothing
    returning id`;
  if (created) {
    await tx`
      insert into credit_ledger (account_id, kind, amount, balance_after, reason)
      values (${account.id}, 'starting_balance', ${startingBalance}, ${startingBalance}, 'welcome balance')`;
  }
}

/** Locks the account row for the rest of the transaction; its balance then. */
async function lockBalance(tx: Tx, accountId: string): Promise<number> {
  const [row] = await tx<{ dust_balance: number }[]>`select dust_balance from accounts where id = ${accountId} for update`;
  if (!row) throw new Error(`account ${accountId} does not exist`);
  return row.dust_balance;
}

/** Appends one entry and moves the balance by `amount`, unless the entry exists (unique index). Returns whether it was applied. */
async function apply(tx: Tx, accountId: string, entry: { kind: LedgerKind; amount: number; jobId?: number; reason: string; grantKey?: string | null }): Promise<boolean> {
  const balance = await lockBalance(tx, accountId);
  const after = balance + entry.amount;
  if (after < 0) throw new InsufficientCreditsError(balance, -entry.amount);
  const [added] = await tx<{ id: number }[]>`
    insert into credit_ledger (account_id, kind, amount, balance_after, job_id, reason, grant_key)
    values (${accountId}, ${entry.kind}, ${entry.amount}, ${after}, ${entry.jobId ?? null}, ${entry.reason}, ${entry.grantKey ?? null})
    on conflict do nothing
    returning id`;
  if (!added) return false;
  await tx`update accounts set dust_balance = ${after}, updated_at = now() where id = ${accountId}`;
  return true;
}

/**
 * Takes the job's price when it is accepted, in the transaction that creates the job (so a refused
 * debit leaves no job). Throws InsufficientCreditsError when the balance is short.
 */
export async function debitForJob(tx: Tx, accountId: string, jobId: number, amount: number, reason: string): Promise<void> {
  await apply(tx, accountId, { kind: 'debit', amount: -amount, jobId, reason });
}

/**
 * Gives a job's debit back (it failed or was cancelled before completing). Applied at most once per
 * job; a job with no debit (free, or never charged) gets nothing. Returns the DUST refunded now (0
 * when there was nothing to refund or it already was).
 */
export async function refundJob(sql: Sql | Tx, jobId: number, reason: string): Promise<number> {
  const refund = async (tx: Tx) => {
    const [debit] = await tx<{ account_id: string; amount: number }[]>`
      select account_id, amount from credit_ledger where job_id = ${jobId} and kind = 'debit'`;
    if (!debit || debit.amount === 0) return 0;
    return (await apply(tx, debit.account_id, { kind: 'refund', amount: -debit.amount, jobId, reason })) ? -debit.amount : 0;
  };
  return 'savepoint' in sql ? refund(sql) : sql.begin(refund);
}

/**
 * An admin's grant (negative to correct one). With a `grantKey` the same grant sent again is
 * applied once; the key with another amount or reason throws GrantKeyReusedError. Returns whether
 * it was applied now, and the balance after.
 */
export async function grantCredits(
  sql: Sql,
  grant: { accountId: string; amount: number; reason: string; grantKey?: string | null },
  startingBalance: number,
): Promise<{ applied: boolean; balance: number }> {
  return sql.begin(async (tx) => {
    await ensureAccount(tx, { id: grant.accountId }, startingBalance);
    const applied = await apply(tx, grant.accountId, { kind: 'grant', amount: grant.amount, reason: grant.reason, grantKey: grant.grantKey ?? null });
    if (!applied && grant.grantKey) {
      const [earlier] = await tx<{ amount: number; reason: string | null }[]>`
        select amount, reason from credit_ledger where account_id = ${grant.accountId} and grant_key = ${grant.grantKey}`;
      if (earlier && (earlier.amount !== grant.amount || earlier.reason !== grant.reason)) throw new GrantKeyReusedError();
    }
    return { applied, balance: await lockBalance(tx, grant.accountId) };
  });
}

/** The grant's Idempotency-Key was used for another grant (another amount or reason). */
export class GrantKeyReusedError extends Error {
  override readonly name = 'GrantKeyReusedError';
  constructor() {
    super('This Idempotency-Key was used for another grant; use a new key for a new grant.');
  }
}

/** The account's balance (undefined before its first request) and its newest ledger entries first. */
export async function creditStatement(sql: Queryable, accountId: string, limit = 100): Promise<{ balance: number | undefined; ledger: LedgerEntry[] }> {
  const [account] = await sql<{ dust_balance: number }[]>`select dust_balance from accounts where id = ${accountId}`;
  const ledger = await sql<LedgerEntry[]>`
    select l.id, l.kind, l.amount, l.balance_after as "balanceAfter", j.key::text as "jobId", l.reason, l.created_at as "createdAt"
    from credit_ledger l left join jobs j on j.id = l.job_id
    where l.account_id = ${accountId}
    order by l.id desc limit ${limit}`;
  return { balance: account?.dust_balance, ledger };
}
