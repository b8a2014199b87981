-- WhatsApp delivery of a job's video: one row per job, so a replayed activity finds what an
-- earlier attempt already did. job_id has no foreign key on purpose: jobs (0002) is written by
-- another change at the same time; a later migration may add the constraint.
create table deliveries (
  job_id bigint primary key,
  provider text not null check (provider in ('outbox', 'cloud')),
  status text not null default 'pending' check (status in ('pending', 'sent', 'delivered', 'read', 'failed')),
  media_id text,
  media_uploaded_at timestamptz,
  -- Set just before the provider is called and cleared when it answers with an error: a row with
  -- send_started_at and no message_id is a send whose outcome is unknown.
  send_started_at timestamptz,
  -- Bumped by each attempt that calls the provider; a compare-and-set on it keeps two concurrent
  -- attempts (a timed-out one still running) from both sending.
  send_attempts integer not null default 0,
  message_id text unique,
  sent_at timestamptz,
  status_at timestamptz,
  error_code text,
  error_message text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The local delivery adapter's messages. The recipient is stored masked (+91******3210): the
-- job's encrypted phone number stays the only full copy.
create table whatsapp_outbox (
  message_id text primary key,
  job_id bigint not null unique,
  recipient_masked text not null,
  template_name text not null,
  template_lang text not null,
  video_url text not null,
  created_at timestamptz not null default now()
);

-- Status webhooks as received (recipient_id masked), once per message and status: Meta
-- redelivers webhooks, so duplicates are expected. job_id comes from biz_opaque_callback_data.
create table whatsapp_status_events (
  message_id text not null,
  status text not null check (status in ('sent', 'delivered', 'read', 'failed')),
  job_id bigint,
  occurred_at timestamptz not null,
  error_code text,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  primary key (message_id, status)
);
create index whatsapp_status_events_job_id on whatsapp_status_events (job_id) where job_id is not null;
