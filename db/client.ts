import postgres from 'postgres';

export type Sql = postgres.Sql;
/** The handle inside `sql.begin(async (tx) => …)`. */
export type Tx = postgres.TransactionSql;
/** Either: for queries that run inside or outside a transaction. */
export type Queryable = Sql | Tx;

/** Longer than any wait a transaction of ours makes between statements (a workflow start: at most 10 s). */
export const IDLE_IN_TRANSACTION_MS = 30_000;

/** One pool per process. Dates come back as Date objects; bigint ids as JS numbers (job ids stay far below 2^53). */
export function createSql(databaseUrl: string, options: { max?: number } = {}): Sql {
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
    transform: { undefined: null },
    // A process stalled inside a transaction (a paused worker, a partition) would hold its row locks
    // until TCP gives up: the server ends such a transaction after this long idle instead.
    connection: { application_name: 'reelflow', idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS },
  });
}

/** Host and port of a database URL, for messages that must not leak credentials. */
export function describeServer(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}`;
}
