import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../support/ports.js';

/**
 * A loopback TCP forwarder in front of a real server (PostgreSQL, Temporal) that a test can take
 * down and bring back on the same port: `close()` refuses new connections (ECONNREFUSED) and
 * resets the open ones, as a stopped server does; `open()` listens again. Clients are given
 * `address` instead of the server's own.
 */
export async function tcpGate(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  function forward(client: Socket) {
    const upstream = createConnection({ host: target.host, port: target.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async function open(): Promise<void> {
    if (server) return;
    const listening = createServer(forward);
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    server = listening;
  }

  async function close(): Promise<void> {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  await open();
  return { address: `127.0.0.1:${port}`, port, open, close };
}

export type TcpGate = Awaited<ReturnType<typeof tcpGate>>;

/** Host and port of a `host:port` address or a URL's authority. */
export function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}
