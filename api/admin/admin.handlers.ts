import type { RouteHandler } from '@hono/zod-openapi';
import { decryptPhone } from '../../lib/phone-crypto.js';
import { nationalNumber } from '../../lib/phone.js';
import { toIst } from '../../lib/time.js';
import type { JobStatus } from '../../workflows/closeup/contract.js';
import { changeJobStatus } from '../closeup/admin-actions.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './admin.routes.js';

interface JobListRow {
  id: number;
  user_id: string;
  phone_encrypted: Buffer;
  gender: string;
  attribute_love: string;
  relationship_status: string;
  vibe: string;
  status: JobStatus;
  retry_count: number;
  failed_stage: string | null;
  last_error_code: string | null;
  workflow_id: string;
  run_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const listJobs: RouteHandler<typeof routes.listJobs, AppEnv> = async (c) => {
  const { sql, config } = c.var.deps;
  const query = c.req.valid('query');
  const filters = [
    query.status ? sql`j.status = ${query.status}` : undefined,
    // Day bounds in IST, computed by PostgreSQL: valid for every day it has (a JS Date of 0001-01-01 IST falls in year 0).
    query.from_date ? sql`j.created_at >= ${query.from_date}::date::timestamp at time zone 'Asia/Kolkata'` : undefined,
    query.to_date ? sql`j.created_at < (${query.to_date}::date + 1)::timestamp at time zone 'Asia/Kolkata'` : undefined,
    query.failed_stage ? sql`j.failed_stage = ${query.failed_stage}` : undefined,
    query.last_error_code ? sql`j.last_error_code = ${query.last_error_code}` : undefined,
  ].filter((filter) => filter !== undefined);
  const where = filters.reduce((clause, filter) => sql`${clause} and ${filter}`, sql`true`);
  const [[counted], rows] = await Promise.all([
    sql<{ total: number }[]>`select count(*)::int as total from video_jobs j where ${where}`,
    sql<JobListRow[]>`
      select j.id, j.user_id, u.phone_encrypted, j.gender, j.attribute_love, j.relationship_status, j.vibe, j.status, j.retry_count,
             j.failed_stage, j.last_error_code, j.workflow_id, j.run_id, j.created_at, j.updated_at
      from video_jobs j join users u on u.id = j.user_id
      where ${where}
      order by j.created_at desc, j.id desc
      limit ${query.limit} offset ${query.offset}`,
  ]);
  const keys = { encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY };
  const ui = `${config.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows`;
  return c.json(
    {
      total: counted?.total ?? 0,
      jobs: rows.map((row) => ({
        id: row.id,
        user_id: row.user_id,
        mobile_number: nationalNumber(decryptPhone(keys, row.phone_encrypted)),
        gender: row.gender,
        attribute_love: row.attribute_love,
        relationship_status: row.relationship_status,
        vibe: row.vibe,
        status: row.status,
        retry_count: row.retry_count,
        failed_stage: row.failed_stage,
        last_error_code: row.last_error_code,
        created_at: toIst(row.created_at),
        updated_at: toIst(row.updated_at),
        temporal_url: `${ui}/${encodeURIComponent(row.workflow_id)}${row.run_id ? `/${row.run_id}` : ''}/history`,
      })),
    },
    200,
  );
};

export const updateJob: RouteHandler<typeof routes.updateJob, AppEnv> = async (c) => {
  const { job_id: jobId, status } = c.req.valid('query');
  const change = await changeJobStatus(c.var.deps, jobId, status);
  c.var.logger.info({ ...change }, 'admin changed job status');
  return c.json({ message: 'Job status updated successfully', ...change }, 200);
};
