import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * HTTP/1.1 over a bare TCP socket: the request goes out byte for byte as given (a Content-Length
 * that lies, header values fetch() refuses, a request target with raw bytes), which no HTTP client
 * library sends. One request per connection (`Connection: close`).
 */

export interface RawRequest {
  method: string;
  /** The request target exactly as written on the request line (already encoded, or deliberately not). */
  target: string;
  /** Header lines in order, duplicates allowed; Host and Connection are added. */
  headers: [string, string][];
  body?: Uint8Array;
  /** Sends the body in pieces of `chunkBytes`, `delayMs` apart (a slow client). */
  trickle?: { chunkBytes: number; delayMs: number };
}

export interface RawResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export type Outcome =
  | { kind: 'response'; response: RawResponse; ms: number }
  /** The connection closed or reset with no complete response head. */
  | { kind: 'no-response'; reason: string; ms: number }
  | { kind: 'timeout'; ms: number };

const HEAD_END = Buffer.from('\r\n\r\n');

function parseHead(head: string): Omit<RawResponse, 'body'> | undefined {
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers };
}

/** The chunked body decoded, or undefined while its last chunk has not arrived. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return Buffer.concat(parts);
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The response as far as it is complete; `final` once the connection has ended (close-delimited bodies). */
function complete(data: Buffer, final: boolean): RawResponse | undefined {
  let start = 0;
  for (;;) {
    const end = data.indexOf(HEAD_END, start);
    if (end < 0) return undefined;
    const head = parseHead(data.subarray(start, end).toString('latin1'));
    if (!head) return undefined;
    const rest = data.subarray(end + 4);
    // 100 Continue and other interim answers precede the real one.
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      start = end + 4;
      continue;
    }
    const streaming = head.status === 101 || (head.status < 300 && head.headers['content-type']?.startsWith('text/event-stream'));
    if (streaming) return { ...head, body: rest };
    const length = head.headers['content-length'];
    if (length !== undefined && /^\d+$/.test(length)) return rest.length >= Number(length) || final ? { ...head, body: rest.subarray(0, Number(length)) } : undefined;
    if (head.headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const body = dechunk(rest) ?? (final ? rest : undefined);
      return body ? { ...head, body } : undefined;
    }
    return final ? { ...head, body: rest } : undefined;
  }
}

/** Sends one request to `host:port` and reads its answer; never throws for what the server does. */
export function sendRaw(host: string, port: number, request: RawRequest, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise<Outcome>((resolve) => {
    const socket = connect({ host, port });
    let data = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: ms() }), timeoutMs);
    const finish = (reason: string) => {
      const response = complete(data, true);
      settle(response ? { kind: 'response', response, ms: ms() } : { kind: 'no-response', reason, ms: ms() });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const response = complete(data, false);
      if (response) settle({ kind: 'response', response, ms: ms() });
    });
    // A reset or EPIPE while the body is still going out (an early refusal) may come with or before
    // a complete answer: judge at 'close', after every byte that arrived has been read.
    let failure: string | undefined;
    socket.on('error', (error: NodeJS.ErrnoException) => void (failure ??= error.code ?? error.message));
    socket.on('close', () => finish(failure ?? 'connection closed'));
    socket.once('connect', () => void write(socket, request).catch(() => undefined));
  });

  async function write(socket: ReturnType<typeof connect>, raw: RawRequest): Promise<void> {
    const lines = [`${raw.method} ${raw.target} HTTP/1.1`, `Host: ${host}:${port}`];
    const hasLength = raw.headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
    for (const [name, value] of raw.headers) lines.push(`${name}: ${value}`);
    if (raw.body && !hasLength) lines.push(`Content-Length: ${raw.body.length}`);
    lines.push('Connection: close', '', '');
    socket.write(Buffer.from(lines.join('\r\n'), 'utf8'));
    const body = raw.body ?? new Uint8Array(0);
    if (!raw.trickle) socket.write(body);
    for (let at = 0; raw.trickle && at < body.length && !socket.destroyed; at += raw.trickle.chunkBytes) {
      socket.write(body.subarray(at, at + raw.trickle.chunkBytes));
      await sleep(raw.trickle.delayMs);
    }
    // A Content-Length that promises more than comes: say the body is over rather than wait for the server's timeout.
    const declared = Number(raw.headers.find(([name]) => /^content-length$/i.test(name))?.[1]);
    if (declared > body.length && !socket.destroyed) socket.end();
  }
}
