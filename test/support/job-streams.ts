import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { WebSocket, WebSocketServer } from 'ws';
import type { AppOpenAPI } from '../../api/lib/types.js';

/** One event of a job's stream, as SSE data and WebSocket messages carry it. */
export interface StreamEvent {
  job_id: number;
  job_key: string;
  seq: number;
  kind: 'status' | 'progress';
  status: string;
  stage: string | null;
  progress: number | null;
  detail: Record<string, unknown> | null;
  at: string;
}

/** The app on a real loopback port, WebSocket upgrades included (as api/main.ts serves it). */
export async function serveWithSockets(app: AppOpenAPI): Promise<{ url: string; wsUrl: string; close(): Promise<void> }> {
  const websocket = { server: new WebSocketServer({ noServer: true }) };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, websocket }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        websocket.server.close();
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** Reads an SSE stream until the server closes it; returns its events' data. */
export async function sseEvents(url: string, headers: Record<string, string> = {}): Promise<StreamEvent[]> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`SSE ${url} answered ${response.status}: ${await response.text()}`);
  const text = await response.text();
  return [...text.matchAll(/^data: (.*)$/gm)].map((match) => JSON.parse(match[1]!) as StreamEvent);
}

/** Collects a WebSocket's job events until the server closes it; rejects on a close other than 1000. */
export function wsEvents(url: string): Promise<StreamEvent[]> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const socket = new WebSocket(url);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string } & StreamEvent;
      if (message.type === 'event') events.push(message);
    });
    socket.on('close', (code, reason) => (code === 1000 ? resolve(events) : reject(new Error(`WebSocket closed ${code} ${String(reason)}`))));
    socket.on('error', reject);
  });
}
