-- The video library (../shared/seeds/s3-video-library-api.md): signed-in users' own videos on
-- S3 (or the local folder), uploaded once and picked again as inputs of jobs; and lip-sync dubbing,
-- the first pipeline that takes a library video in and puts one back.

create extension if not exists pg_trgm;

-- The seed's `videos` table. Its owner is a signed-in account (never Close-Up's phone `users`).
-- `s3_url` and `thumbnail_url` keep the objects' unsigned addresses: answers mint presigned URLs,
-- since a stored one dies with the credentials that signed it.
create table videos (
  id uuid primary key default gen_random_uuid(),
  filename varchar(255) not null,
  original_filename varchar(255) not null,
  s3_key varchar(500) not null unique,
  s3_url varchar(1000) not null,
  s3_bucket varchar(255) not null,
  content_type varchar(100) not null,
  file_size bigint not null check (file_size > 0),
  duration decimal(10, 2),
  thumbnail_s3_key varchar(500),
  thumbnail_url varchar(1000),
  metadata jsonb,
  user_id text not null references accounts (id) on delete cascade,
  -- SHA-256 of the bytes, computed while they streamed in: the same bytes from the same user are one video.
  sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
  -- The dubbing job that made it, for outputs of jobs.
  source_job_id bigint references jobs (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
-- The seed's indexes, kept to the rows every query reads (deleted ones are never listed).
create index videos_user_created on videos (user_id, created_at desc, id desc) where deleted_at is null;
create index videos_user_filename on videos (user_id, filename) where deleted_at is null;
create index videos_user_size on videos (user_id, file_size) where deleted_at is null;
create index videos_user_duration on videos (user_id, duration) where deleted_at is null;
-- `search` is a case-insensitive substring match: trigram indexes serve ILIKE '%term%'.
create index videos_filename_trgm on videos using gin (filename gin_trgm_ops) where deleted_at is null;
create index videos_original_filename_trgm on videos using gin (original_filename gin_trgm_ops) where deleted_at is null;
create unique index videos_one_per_content on videos (user_id, sha256) where deleted_at is null;

-- What an upload endpoint answered with `upload_id`: a video (pointing at its library row) or a
-- transcript (its text), usable as a job input by its owner.
create table uploads (
  id uuid primary key default gen_random_uuid(),
  user_id text not null references accounts (id) on delete cascade,
  kind text not null check (kind in ('video', 'transcript')),
  video_id uuid references videos (id) on delete cascade,
  transcript text,
  created_at timestamptz not null default now(),
  check ((kind = 'video') = (video_id is not null) and (kind = 'transcript') = (transcript is not null))
);
create index uploads_user on uploads (user_id, created_at desc);
create index uploads_video on uploads (video_id) where video_id is not null;

-- A dubbing job's request beside the engine's job row: the library video it dubs, the transcript
-- spoken, and the library video it made.
create table dubbing_jobs (
  job_id bigint primary key references jobs (id) on delete cascade,
  account_id text not null references accounts (id),
  source_video_id uuid not null references videos (id),
  transcript text not null,
  voice text,
  cost_dust integer not null,
  output_video_id uuid references videos (id) on delete set null
);
create index dubbing_jobs_account on dubbing_jobs (account_id, job_id desc);
-- "Refused while an active job uses the video" looks jobs up by their source.
create index dubbing_jobs_source on dubbing_jobs (source_video_id);
create index dubbing_jobs_output on dubbing_jobs (output_video_id) where output_video_id is not null;
