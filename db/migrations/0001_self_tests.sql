-- End-to-end self-test records: written by a worker activity, so a row proves
-- API/script -> Temporal -> worker -> PostgreSQL works.
create table self_tests (
  id uuid primary key,
  worker_identity text not null,
  workflow_run_id text not null,
  requested_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
