/**
 * Arguments every Temporal CLI dev server reelflow starts (`temporal server start-dev`: npm start,
 * npm test, the benchmarks, the chaos run, the replay recorder) adds to its own.
 *
 * The dev server keeps every workflow on one history shard (temporal CLI v1.5.1,
 * temporalcli/devserver/server.go: NumHistoryShards = 1), and the server reads a shard's transfer
 * queue — the tasks that hand each new workflow task and activity task to matching — at most
 * `history.transferProcessorMaxPollRPS` = 20 times a second (go.temporal.io/server v1.29.1,
 * common/dynamicconfig/constants.go). One shard for everything drains that budget, so every
 * dispatch waited for the next read: about 40 ms per activity and per workflow task (measured: an
 * activity's end to the next activity scheduled, 54 ms → 12 ms with the limit at 1,000). The limit
 * guards a production cluster's database against reads from many shards; the dev server has one.
 */
export const DEV_SERVER_ARGS: readonly string[] = ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'];

/**
 * SQLite pragmas for a dev server on a file (`--db-filename`: npm start, the chaos run): WAL with
 * synchronous=NORMAL starts workflows 2.4-3.5x as fast as SQLite's default journal mode (npm run
 * bench -- --only store). In WAL mode NORMAL stays consistent; a power loss may roll back the
 * last commits (sqlite.org/pragma.html#pragma_synchronous).
 */
export const DEV_SERVER_FILE_PRAGMAS: readonly string[] = ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'];
