import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed search attributes that make jobs findable in the Temporal Web UI (workflow-safe module). */
export const searchAttributes = {
  jobId: defineSearchAttributeKey('ReelflowJobId', SearchAttributeType.INT),
  status: defineSearchAttributeKey('ReelflowStatus', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('ReelflowStage', SearchAttributeType.KEYWORD),
  pipeline: defineSearchAttributeKey('ReelflowPipeline', SearchAttributeType.KEYWORD),
} as const;
