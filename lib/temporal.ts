import { Connection, Client } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Config } from './config.js';

import { searchAttributes } from '../workflows/search-attributes.js';

export { searchAttributes };

const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED_VALUE_TYPE = {
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/**
 * Registers the search attributes the product uses, leaving existing ones alone. The dev server's
 * `--search-attribute` flag only applies to a new database file, so this runs on every start.
 */
export async function ensureSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.values(searchAttributes).filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  const entries = Object.fromEntries(
    missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type as keyof typeof INDEXED_VALUE_TYPE]]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: entries });
  return missing.map((key) => key.name);
}

/**
 * Longest pause between reconnection attempts to an unreachable Temporal server. gRPC's default
 * grows to 120 s, so calls kept failing for half a minute after a one-minute outage had ended; with
 * this the API starts workflows again about 3 s after the server is back.
 */
const MAX_RECONNECT_BACKOFF_MS = 2_000;

/** A client whose connection is made on first use, so the API starts (and reports) while Temporal is down. */
export function createTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Client {
  const connection = Connection.lazy({
    address: config.TEMPORAL_ADDRESS,
    connectTimeout: '3s',
    channelArgs: { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS },
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
