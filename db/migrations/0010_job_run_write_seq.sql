-- The last kit write applied from run_id (workflows/engine/kit.ts numbers a run's job writes in
-- order). A write numbered below it is a stale attempt of an earlier one that landed late (a
-- local activity re-run after its first attempt was given up on, an activity attempt past its
-- timeout): the store drops it instead of moving the job back. Null until the run's first
-- numbered write; a new run (reset, continue-as-new) starts its own count.
alter table jobs add column run_write_seq integer;
