import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Typed search attributes that make jobs findable in the Temporal Web UI (workflow-safe module).
 * Every job has both ids: `ReelflowJobId` (numeric, as Close-Up shows it) and `ReelflowJobKey`
 * (the UUID other products show).
 */
export const searchAttributes = {
  jobId: defineSearchAttributeKey('ReelflowJobId', SearchAttributeType.INT),
  jobKey: defineSearchAttributeKey('ReelflowJobKey', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('ReelflowStatus', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('ReelflowStage', SearchAttributeType.KEYWORD),
  pipeline: defineSearchAttributeKey('ReelflowPipeline', SearchAttributeType.KEYWORD),
} as const;

/** The attributes a job's workflow starts with, so the Web UI finds it before its first activity. */
export function jobSearchAttributes(start: { pipeline: string; job: { id: number; key: string }; status: string; stage?: string }) {
  return [
    { key: searchAttributes.jobId, value: start.job.id },
    { key: searchAttributes.jobKey, value: start.job.key },
    { key: searchAttributes.pipeline, value: start.pipeline },
    { key: searchAttributes.status, value: start.status },
    ...(start.stage ? [{ key: searchAttributes.stage, value: start.stage }] : []),
  ];
}
