import type { Queryable } from '../client.js';

/**
 * What the upload endpoints answered with `upload_id` (`uploads`): a library video or a transcript,
 * usable as a job input (`video_upload_id`, `transcript_upload_id`) by the user who uploaded it.
 */

export type Upload = { id: string; kind: 'video'; videoId: string } | { id: string; kind: 'transcript'; transcript: string };

/** Records a video upload (a new video, or the existing one its bytes duplicate); returns the upload id. */
export async function recordVideoUpload(sql: Queryable, userId: string, videoId: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into uploads (user_id, kind, video_id) values (${userId}, 'video', ${videoId}::uuid) returning id::text as id`;
  return row!.id;
}

/** Records a transcript upload (checked UTF-8 text); returns the upload id. */
export async function recordTranscriptUpload(sql: Queryable, userId: string, transcript: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into uploads (user_id, kind, transcript) values (${userId}, 'transcript', ${transcript}) returning id::text as id`;
  return row!.id;
}

/**
 * The user's upload by id; undefined when it is someone else's or absent. A video upload whose
 * video was deleted is absent too (deleted videos vanish from every lookup).
 */
export async function findUpload(sql: Queryable, userId: string, uploadId: string): Promise<Upload | undefined> {
  const [row] = await sql<{ id: string; kind: 'video' | 'transcript'; videoId: string | null; transcript: string | null }[]>`
    select u.id::text as id, u.kind, u.video_id::text as "videoId", u.transcript
    from uploads u left join videos v on v.id = u.video_id
    where u.id = ${uploadId}::uuid and u.user_id = ${userId} and (u.kind = 'transcript' or v.deleted_at is null)`;
  if (!row) return undefined;
  return row.kind === 'video' ? { id: row.id, kind: 'video', videoId: row.videoId! } : { id: row.id, kind: 'transcript', transcript: row.transcript! };
}
