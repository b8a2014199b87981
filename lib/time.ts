const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;

/** ISO 8601 in Indian Standard Time, as the API renders every timestamp: 2026-01-08T14:30:00+05:30. */
export function toIst(date: Date): string {
  const shifted = new Date(date.getTime() + IST_OFFSET_MS);
  return `${shifted.toISOString().slice(0, 19)}+05:30`;
}
