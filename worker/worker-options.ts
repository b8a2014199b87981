/** What every worker of a process is created with: the main one, each provider queue's and the feed's renders. */
export const SHARED_WORKER_OPTIONS = {
  shutdownGraceTime: '10 seconds',
  // Cancellation reaches an activity only with a heartbeat answer: keep that under a few seconds.
  maxHeartbeatThrottleInterval: '5 seconds',
} as const;
