/**
 * The tracking tokens this browser received, by job id (localStorage): a reload, or the
 * "already being processed" answer (which carries no token), can still follow a job submitted here.
 */

const KEY = 'reelflow.closeup.tracking-tokens';

function read(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function rememberToken(jobId: number, token: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...read(), [String(jobId)]: token }));
  } catch {
    // Private mode or a full store: tracking still works until the page is left.
  }
}

export function tokenOf(jobId: number): string | undefined {
  return read()[String(jobId)];
}

/** `#job=123` → 123; anything else → undefined. */
export function jobInHash(hash: string): number | undefined {
  const match = /^#job=(\d{1,12})$/.exec(hash);
  return match ? Number(match[1]) : undefined;
}
