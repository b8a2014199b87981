import { isGrpcServiceError } from '@temporalio/client';
import postgres from 'postgres';
import { ApiError } from './errors.js';

/** A backing service the API cannot answer without. */
export type Dependency = 'postgres' | 'temporal';

/** What a 503 for an outage tells clients to wait, in seconds: a restart of either takes a few. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * 503 ServiceUnavailable for a dependency that cannot be reached: `retry_after_seconds` as a
 * top-level field (as Close-Up's other 503) and in `details` with the dependency's name. The app's
 * onError adds the Retry-After header with the same seconds.
 */
export class DependencyUnavailableError extends ApiError {
  constructor(
    readonly dependency: Dependency,
    message = `${dependency === 'postgres' ? 'The database' : 'The job engine'} is unavailable right now. Please retry in a few seconds.`,
    readonly retryAfterSeconds = OUTAGE_RETRY_AFTER_SECONDS,
  ) {
    super(503, 'ServiceUnavailable', message, { dependency, retry_after_seconds: retryAfterSeconds }, { retry_after_seconds: retryAfterSeconds });
  }
}

/** Socket failures as Node reports them: the server is not there, went away, or cannot be routed to. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN']);
/** postgres.js's own connection failures (CONNECTION_ENDED: this process is closing its pool). */
const POSTGRES_JS_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT']);
/**
 * SQLSTATEs of a server that is restarting or full rather than of a bad statement: connection
 * exceptions (class 08), admin/crash shutdown, still starting up, too many connections.
 */
const POSTGRES_OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * Whether `error` is PostgreSQL being unreachable, as postgres.js throws it: a socket error
 * (postgres.js marks errors it rejects a query with by a `query` property, which tells them from
 * another client's), one of its CONNECTION_* / CONNECT_TIMEOUT codes, or a PostgresError whose
 * SQLSTATE says the server is shutting down, starting up, full or lost the connection.
 */
export function isPostgresOutage(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) return POSTGRES_OUTAGE_STATES.has(error.code) || error.code.startsWith('08');
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return false;
  if (POSTGRES_JS_CODES.has(error.code)) return true;
  return SOCKET_CODES.has(error.code) && 'query' in error;
}

/** gRPC status codes (grpc.status) of a server that is not answering or is shedding load. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_OUTAGE_CODES = new Set([GRPC_UNAVAILABLE, GRPC_DEADLINE_EXCEEDED, GRPC_RESOURCE_EXHAUSTED]);

/** The gRPC error behind a Temporal client error (ServiceError and friends keep it as `cause`). */
function grpcErrorIn(error: unknown): { code: number; details: string } | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (isGrpcServiceError(current)) return { code: current.code, details: current.details };
  }
  return undefined;
}

/**
 * Whether `error` is the Temporal server being unreachable as @temporalio/client reports it: a
 * ServiceError ("Failed to start Workflow", "Failed to signal Workflow", …) or a raw gRPC error
 * whose status is UNAVAILABLE (no connection), DEADLINE_EXCEEDED (no answer in time, e.g. under
 * `connection.withDeadline`) or RESOURCE_EXHAUSTED (rate-limited).
 */
export function isTemporalOutage(error: unknown): boolean {
  const grpc = grpcErrorIn(error);
  return grpc !== undefined && GRPC_OUTAGE_CODES.has(grpc.code);
}

/**
 * Whether a failed Temporal call certainly never reached the server, so whatever it asked for did
 * not happen: grpc-js says "No connection established" when no connection was ready, and names the
 * peer (`remote_addr=`) in a deadline's details once a call was on the wire. The client retries
 * UNAVAILABLE and only its last attempt is seen here: an earlier attempt that was on the wire when
 * the server went down may still have been carried out, so this holds for outages that began
 * before the call, not for one that began during it.
 */
export function temporalCallNeverSent(error: unknown): boolean {
  const grpc = grpcErrorIn(error);
  if (grpc?.code === GRPC_UNAVAILABLE) return grpc.details.includes('No connection established');
  if (grpc?.code === GRPC_DEADLINE_EXCEEDED) return !grpc.details.includes('remote_addr=');
  return false;
}

/** The 503 an unreachable dependency is answered with; undefined for any other error. */
export function dependencyOutage(error: unknown): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) return error;
  if (isPostgresOutage(error)) return new DependencyUnavailableError('postgres');
  if (isTemporalOutage(error)) return new DependencyUnavailableError('temporal');
  return undefined;
}
