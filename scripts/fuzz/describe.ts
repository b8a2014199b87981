import type { FuzzRequest } from './requests.js';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

/** A request as readable lines: kind and operation, request line, headers and the start of the body (long values clipped). */
export function describeRequest(request: FuzzRequest): string {
  const { raw } = request;
  const lines = [`${request.kind} request aimed at ${request.operation}`, `  ${raw.method} ${JSON.stringify(clip(raw.target, 300))}`];
  for (const [name, value] of raw.headers) lines.push(`  ${name}: ${JSON.stringify(clip(value, 160))}`);
  if (raw.body) lines.push(`  body (${raw.body.length} bytes): ${JSON.stringify(clip(Buffer.from(raw.body.subarray(0, 600)).toString('latin1'), 400))}`);
  if (raw.trickle) lines.push(`  trickled ${raw.trickle.chunkBytes} bytes every ${raw.trickle.delayMs} ms`);
  return lines.join('\n');
}
