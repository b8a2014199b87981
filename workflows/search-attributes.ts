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
