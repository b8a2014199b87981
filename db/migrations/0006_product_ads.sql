-- The product-ad generator (../shared/seeds/product-ad-generator-api.md): each job's form and its
-- script. Stage timings, progress and costs are the engine's (job_events, jobs.cost_usd); media are
-- job_assets; an admin retry from a stage reuses the earlier stages' results from the workflow history.

create table product_ad_jobs (
  job_id bigint primary key references jobs (id) on delete cascade,
  -- The signed-in user who asked, when a token was sent; anonymous otherwise.
  account_id text,
  product_name text not null,
  style text not null,
  cta_text text not null,
  aspect_ratio text not null,
  product_image_key text,
  -- script_gen's answer (the AdScript), shown with the job.
  script jsonb,
  -- Each stage's share of the job's overall progress, from the measured durations of recent ads
  -- when it was accepted: fixed for the job, so its progress never goes back.
  stage_weights jsonb not null
);
create index product_ad_jobs_account on product_ad_jobs (account_id, job_id desc) where account_id is not null;
