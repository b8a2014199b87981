-- The social video feed (../shared/seeds/feed-backend-integration-plan.md). The seed's `videos`
-- table is `feed_videos` here: `videos` is the video library's (0007). Counters are kept by
-- triggers from the reaction and view rows, so no code path can make them disagree.

-- Profiles of signed-in accounts, made on their first authenticated request.
create table profiles (
  id text primary key references accounts (id) on delete cascade,
  username text not null check (username ~ '^[a-z0-9_]{3,30}$'),
  email text,
  avatar_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_active_at timestamptz not null default now()
);
create unique index profiles_username on profiles (username);

create table feed_videos (
  id uuid primary key default gen_random_uuid(),
  user_id text not null references profiles (id) on delete cascade,
  prompt text not null,
  status text not null default 'pending' check (status in ('pending', 'processing', 'completed', 'failed')),
  -- The generation job rendering it (the engine's job row), and why it failed if it did.
  job_id bigint unique references jobs (id) on delete set null,
  failure_reason text,
  -- Recreate lineage: the video whose prompt this one reused.
  source_video_id uuid references feed_videos (id) on delete set null,
  duration_seconds real,
  likes_count integer not null default 0 check (likes_count >= 0),
  dislikes_count integer not null default 0 check (dislikes_count >= 0),
  views_count bigint not null default 0 check (views_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index feed_videos_recent on feed_videos (created_at desc, id desc) where status = 'completed';
create index feed_videos_user on feed_videos (user_id, created_at desc, id desc);
create index feed_videos_waiting on feed_videos (created_at) where status in ('pending', 'processing');

-- The seed's video_assets: where each stored medium of a video is.
create table feed_video_assets (
  id uuid primary key default gen_random_uuid(),
  video_id uuid not null references feed_videos (id) on delete cascade,
  asset_type text not null check (asset_type in ('video', 'thumbnail')),
  storage_backend text not null,
  storage_key text not null,
  -- The provider's own URL the medium was copied from, when it came from one.
  source_url text,
  duration_seconds integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (video_id, asset_type)
);

-- One reaction per user and video; switching like ↔ dislike updates the row.
create table video_reactions (
  id uuid primary key default gen_random_uuid(),
  video_id uuid not null references feed_videos (id) on delete cascade,
  user_id text not null references profiles (id) on delete cascade,
  reaction text not null check (reaction in ('like', 'dislike')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (video_id, user_id)
);
create index video_reactions_user on video_reactions (user_id, reaction, created_at desc);

-- A view counts once per viewer (a user, else a session id) and video per UTC day.
create table video_views (
  id uuid primary key default gen_random_uuid(),
  video_id uuid not null references feed_videos (id) on delete cascade,
  user_id text references profiles (id) on delete set null,
  session_id text,
  viewer text not null,
  view_day date not null,
  created_at timestamptz not null default now(),
  check (user_id is not null or session_id is not null),
  unique (video_id, viewer, view_day)
);

-- The leaderboard's table, kept current by triggers (never computed per request over every row);
-- last_active_at is read from profiles for the rows shown (a profile trigger here would lock stats
-- rows in the opposite order of the reaction triggers and deadlock).
create table creator_stats (
  user_id text primary key references profiles (id) on delete cascade,
  videos_created integer not null default 0,
  total_likes bigint not null default 0,
  total_dislikes bigint not null default 0,
  total_views bigint not null default 0,
  -- Version 1 (docs/feed.md): likes earn 3, views 0.1, each video 1, dislikes cost 2.
  creator_score numeric generated always as (3 * total_likes + 0.1 * total_views + videos_created - 2 * total_dislikes) stored
);
create index creator_stats_score on creator_stats (creator_score desc, user_id);

-- Ranked scroll sessions: the order of the feed when a session began, so paging while scores and
-- new videos change neither repeats nor skips a video. Old sessions are deleted as new ones start.
create table feed_snapshots (
  id uuid primary key default gen_random_uuid(),
  video_ids uuid[] not null,
  created_at timestamptz not null default now()
);
create index feed_snapshots_created on feed_snapshots (created_at);

/*
 * ranking_score, version 1 (docs/feed.md): quality over age.
 *   quality = 1 + 4 × wilson + ln(1 + views) / 2, where wilson is the lower bound of the 95 %
 *             Wilson interval of likes / (likes + dislikes) (0 without reactions);
 *   score   = quality / (1 + age in hours / 12) ^ 1.2, age measured at `as_of`.
 */
create function feed_ranking_score(likes integer, dislikes integer, views bigint, created_at timestamptz, as_of timestamptz)
returns double precision language sql immutable parallel safe as $$
  select (
    1
    + 4 * case when likes + dislikes = 0 then 0 else
        (likes::float8 / (likes + dislikes) + 1.9208 / (likes + dislikes)
         - 1.96 * sqrt(((likes::float8 / (likes + dislikes)) * (dislikes::float8 / (likes + dislikes)) + 0.9604 / (likes + dislikes)) / (likes + dislikes)))
        / (1 + 3.8416 / (likes + dislikes))
      end
    + ln(1 + views) / 2
  ) / power(1 + greatest(0, extract(epoch from as_of - created_at)) / 43200, 1.2)
$$;

-- Reaction rows → the video's counters.
create function feed_reaction_counts() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update feed_videos set
      likes_count = likes_count - (old.reaction = 'like')::int,
      dislikes_count = dislikes_count - (old.reaction = 'dislike')::int
    where id = old.video_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    update feed_videos set
      likes_count = likes_count + (new.reaction = 'like')::int,
      dislikes_count = dislikes_count + (new.reaction = 'dislike')::int
    where id = new.video_id;
  end if;
  return null;
end $$;
create trigger video_reactions_counts after insert or update of reaction or delete on video_reactions
  for each row execute function feed_reaction_counts();

-- View rows → the video's counter.
create function feed_view_counts() returns trigger language plpgsql as $$
begin
  update feed_videos set views_count = views_count + 1 where id = new.video_id;
  return null;
end $$;
create trigger video_views_counts after insert on video_views for each row execute function feed_view_counts();

-- A video's counters and creation → its creator's stats.
create function feed_creator_stats() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into creator_stats (user_id, videos_created) values (new.user_id, 1)
    on conflict (user_id) do update set videos_created = creator_stats.videos_created + 1;
  elsif tg_op = 'UPDATE' then
    update creator_stats set
      total_likes = total_likes + new.likes_count - old.likes_count,
      total_dislikes = total_dislikes + new.dislikes_count - old.dislikes_count,
      total_views = total_views + new.views_count - old.views_count
    where user_id = new.user_id;
  else
    update creator_stats set videos_created = videos_created - 1,
      total_likes = total_likes - old.likes_count,
      total_dislikes = total_dislikes - old.dislikes_count,
      total_views = total_views - old.views_count
    where user_id = old.user_id;
  end if;
  return null;
end $$;
create trigger feed_videos_creator_stats after insert or delete or update of likes_count, dislikes_count, views_count on feed_videos
  for each row execute function feed_creator_stats();
