import { z } from '@hono/zod-openapi';

/** 9999-12-31T23:59:59Z: a later instant is not a date PostgreSQL or Date can hold as such. */
const UNIX_SECONDS_MAX = 253_402_300_799;

/**
 * One message status from a WhatsApp Cloud API webhook (entry[].changes[].value.statuses[]).
 * `timestamp` is Unix seconds, documented as a string; a number is read the same.
 */
export const StatusUpdateSchema = z.looseObject({
  id: z.string().min(1),
  /** sent | delivered | read | failed; other values Meta may add are skipped, not refused. */
  status: z.string().min(1),
  timestamp: z
    .union([z.string().regex(/^\d{1,12}$/), z.number()], { error: 'must be Unix seconds' })
    .transform(Number)
    .pipe(z.number({ error: 'must be Unix seconds' }).int('must be Unix seconds').min(0).max(UNIX_SECONDS_MAX)),
  recipient_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z
    .array(z.looseObject({ code: z.number().int(), title: z.string().optional(), message: z.string().optional() }))
    .optional(),
});
export type StatusUpdate = z.infer<typeof StatusUpdateSchema>;

/** A part of the batch that was not read, and why: logged, never a reason to refuse the batch. */
export interface SkippedPart {
  path: string;
  reason: string;
}

const asArray = (value: unknown, path: string, skipped: SkippedPart[]): unknown[] => {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  skipped.push({ path, reason: 'not an array' });
  return [];
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);

/** The items of `value` that are objects; the others are skipped under `path`. */
const records = (value: unknown, path: string, skipped: SkippedPart[]): [Record<string, unknown>, string][] =>
  asArray(value, path, skipped).flatMap((item, index): [Record<string, unknown>, string][] => {
    if (isRecord(item)) return [[item, `${path}.${index}`]];
    skipped.push({ path: `${path}.${index}`, reason: 'not an object' });
    return [];
  });

/**
 * The status updates of a signed webhook body, item by item: every well-formed status is returned,
 * every odd part (an entry that is not an object, a status with a missing id or an unreadable
 * timestamp) is listed in `skipped` with its JSON path and reason. Meta redelivers a refused
 * webhook for days, so one odd item must not cost the good ones their delivery.
 */
export function readStatusBatch(body: unknown): { updates: StatusUpdate[]; skipped: SkippedPart[] } {
  const skipped: SkippedPart[] = [];
  const updates: StatusUpdate[] = [];
  for (const [entry, entryPath] of records(field(body, 'entry'), 'entry', skipped)) {
    for (const [change, changePath] of records(entry.changes, `${entryPath}.changes`, skipped)) {
      const path = `${changePath}.value.statuses`;
      asArray(field(change.value, 'statuses'), path, skipped).forEach((item, index) => {
        const parsed = StatusUpdateSchema.safeParse(item);
        if (parsed.success) updates.push(parsed.data);
        else skipped.push({ path: `${path}.${index}`, reason: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'item'}: ${issue.message}`).join('; ') });
      });
    }
  }
  if (field(body, 'entry') === undefined) skipped.push({ path: 'entry', reason: 'missing' });
  return { updates, skipped };
}
