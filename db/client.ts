import postgres from 'postgres';

export type Sql = postgres.Sql;
/** The handle inside `sql.begin(async (tx) => …)`. */
export type Tx = postgres.TransactionSql;
/** Either: for queries that run inside or outside a transaction. */
export type Queryable = Sql | Tx;

/** One pool per process. Dates come back as Date objects; bigint ids as JS numbers (job ids stay far below 2^53). */
export function createSql(databaseUrl: string, options: { max?: number } = {}): Sql {
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
    transform: { undefined: null },
    connection: { application_name: 'reelflow' },
  });
}

/** Host and port of a database URL, for messages that must not leak credentials. */
export function describeServer(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}`;
}
