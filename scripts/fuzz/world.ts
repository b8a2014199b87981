import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { FuzzTarget } from './stack.js';

/**
 * What a request could leave behind: the row count of every table, the keys in the storage bucket
 * and the number of workflows in the target's own Temporal server. A refused request must change none.
 */
export interface WorldSnapshot {
  rows: Map<string, number>;
  objects: Set<string>;
  workflows: number;
}

/** Reads snapshots of one target; the table list is read once, on the first call. */
export function worldReader(target: FuzzTarget): () => Promise<WorldSnapshot> {
  let countQuery: string | undefined;

  async function rows(): Promise<Map<string, number>> {
    if (!countQuery) {
      const tables = await target.sql<{ name: string }[]>`
        select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
      const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
      countQuery = tables.map(({ name }) => `select '${name.replaceAll("'", "''")}' as name, count(*)::int as n from ${quoted(name)}`).join(' union all ');
    }
    const counted = await target.sql.unsafe<{ name: string; n: number }[]>(countQuery);
    return new Map(counted.map(({ name, n }) => [name, n]));
  }

  async function objects(): Promise<Set<string>> {
    const keys = new Set<string>();
    let token: string | undefined;
    do {
      const page = await target.s3
        .send(new ListObjectsV2Command({ Bucket: target.bucket, ContinuationToken: token }))
        .catch((error: Error) => (error.name === 'NoSuchBucket' ? undefined : Promise.reject(error)));
      for (const object of page?.Contents ?? []) if (object.Key) keys.add(object.Key);
      token = page?.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async function workflows(): Promise<number> {
    const answer = await target.temporal.workflowService.countWorkflowExecutions({ namespace: target.config.TEMPORAL_NAMESPACE });
    return Number(answer.count ?? 0);
  }

  return async () => {
    const [tableRows, keys, count] = await Promise.all([rows(), objects(), workflows()]);
    return { rows: tableRows, objects: keys, workflows: count };
  };
}

/** What appeared between two snapshots, as readable lines ("video_jobs +1", "object jobs/1/photo.jpg", "workflows +1"); empty when nothing did. */
export function growth(before: WorldSnapshot, after: WorldSnapshot): string[] {
  const found: string[] = [];
  for (const [table, n] of after.rows) {
    const was = before.rows.get(table) ?? 0;
    if (n > was) found.push(`${table} +${n - was}`);
  }
  for (const key of after.objects) if (!before.objects.has(key)) found.push(`object ${key}`);
  if (after.workflows > before.workflows) found.push(`workflows +${after.workflows - before.workflows}`);
  return found;
}

/** True when nothing changed either way (rows deleted count too): the world is at rest. */
export function sameWorld(a: WorldSnapshot, b: WorldSnapshot): boolean {
  if (a.workflows !== b.workflows || a.objects.size !== b.objects.size || a.rows.size !== b.rows.size) return false;
  for (const [table, n] of a.rows) if (b.rows.get(table) !== n) return false;
  for (const key of a.objects) if (!b.objects.has(key)) return false;
  return true;
}
