-- Signed-in users (Supabase accounts), their DUST credits, and the generation product
-- (../shared/seeds/async-generation-api.md): its jobs' requests and the videos they made.
-- Accounts are not Close-Up's phone users (`users`): the two never share a table.

create table accounts (
  -- The Supabase access token's `sub`.
  id text primary key check (length(id) between 1 and 255),
  email text,
  -- Always the sum of the account's ledger entries (both are written in one transaction).
  dust_balance integer not null check (dust_balance >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Append-only: every change of a balance is one entry. A job's debit and refund are unique per
-- (job, kind), so no retry, crash, reset or duplicate request can apply either twice.
create table credit_ledger (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id),
  kind text not null check (kind in ('starting_balance', 'debit', 'refund', 'grant')),
  -- Signed DUST: debits are negative.
  amount integer not null,
  balance_after integer not null check (balance_after >= 0),
  -- The job a debit or refund is for (and only those have one). Deferred: the debit is written in
  -- the transaction that creates the job, before the job's row.
  job_id bigint references jobs (id) deferrable initially deferred,
  reason text,
  -- An admin grant's Idempotency-Key: the same grant sent twice is applied once.
  grant_key text,
  created_at timestamptz not null default now(),
  check ((kind in ('debit', 'refund')) = (job_id is not null))
);
create unique index credit_ledger_one_per_job_kind on credit_ledger (job_id, kind) where job_id is not null;
create unique index credit_ledger_one_starting_balance on credit_ledger (account_id) where kind = 'starting_balance';
create unique index credit_ledger_one_per_grant_key on credit_ledger (account_id, grant_key) where grant_key is not null;
create index credit_ledger_account on credit_ledger (account_id, id desc);

create table generation_jobs (
  job_id bigint primary key references jobs (id) on delete cascade,
  account_id text not null references accounts (id),
  generation_type text not null check (generation_type in ('text_to_video', 'image_to_video')),
  prompt text not null,
  duration_seconds integer not null,
  resolution text not null,
  aspect_ratio text not null,
  camera_fixed boolean not null default false,
  reference_person jsonb,
  source_image_url text,
  cost_dust integer not null,
  webhook_url text,
  webhook_events text[] not null default '{}',
  -- Idempotency-Key of the request that created the job, and a digest of that request's body:
  -- the same key with the same body returns this job; a failed or cancelled job frees its key.
  idempotency_key text,
  request_digest text,
  -- Which model made the video, and how long generating it took (the seed's generation_info).
  model text,
  generation_ms integer
);
create unique index generation_jobs_idempotency on generation_jobs (account_id, idempotency_key) where idempotency_key is not null;
create index generation_jobs_account on generation_jobs (account_id, job_id desc);

-- The seed's UserVideo: outlives its job (jobs expire from the API; videos stay in the list).
create table generated_videos (
  id uuid primary key default gen_random_uuid(),
  account_id text not null references accounts (id),
  job_id bigint unique references jobs (id) on delete set null,
  prompt text not null,
  generation_type text not null,
  source_image_url text,
  duration_seconds real not null,
  resolution text not null,
  aspect_ratio text not null,
  reference_person jsonb,
  metadata jsonb not null default '{}',
  is_favorited boolean not null default false,
  video_key text not null,
  thumbnail_key text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index generated_videos_account_created on generated_videos (account_id, created_at desc, id desc);
