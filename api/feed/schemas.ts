import { z } from '@hono/zod-openapi';

/** The feed's shared shapes (../shared/seeds/feed-backend-integration-plan.md, "Data Contracts"): the seed's fields, none renamed. */

export const FeedAssetSchema = z
  .object({
    assetType: z.enum(['video', 'thumbnail']),
    storageBackend: z.string().openapi({ example: 'local', description: '`local` (MEDIA_ROOT, served under /media/) or `s3`' }),
    storageKey: z.string().openapi({ example: 'users/3f0c…/feed-video-1b4e….mp4' }),
    filePath: z.string().openapi({ description: '`<bucket>/<storageKey>`: where the object sits in its store (the bucket is `local` for MEDIA_ROOT)' }),
    publicUrl: z.string().openapi({ description: 'A signed GET URL minted for this answer (MEDIA_URL_TTL_SECONDS; at most 7 days on S3)' }),
    sourceUrl: z.string().nullable().openapi({ description: 'The provider’s URL the medium was copied from, when it came from one' }),
    durationSeconds: z.number().int().nullable().openapi({ description: 'Whole seconds; null when unknown or not a video' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('FeedAsset');

export const FeedVideoSchema = z
  .object({
    id: z.uuid(),
    prompt: z.string().openapi({ example: 'A cat playing piano in a jazz club' }),
    videoUrl: z.string().openapi({ description: 'The video’s signed URL once completed; empty before' }),
    thumbnailUrl: z.string().optional().openapi({ description: 'The thumbnail’s signed URL, when there is one' }),
    userId: z.string(),
    username: z.string().optional(),
    likes: z.number().int(),
    dislikes: z.number().int(),
    views: z.number().int(),
    createdAt: z.string().openapi({ example: '2024-01-15T10:30:00.000Z' }),
    status: z.enum(['pending', 'processing', 'completed', 'failed']),
    ranking_score: z.number().optional().openapi({ description: 'ranking_score v1 (docs/feed.md) computed as of this answer' }),
    sourceVideoId: z.uuid().nullable().openapi({ description: 'The video whose prompt this one recreated' }),
    assets: z.array(FeedAssetSchema),
    updatedAt: z.string(),
  })
  .openapi('FeedVideo');

export const FeedResponseSchema = z
  .object({
    videos: z.array(FeedVideoSchema),
    nextCursor: z.string().optional().openapi({ description: 'Opaque; pass it back as `cursor` for the next page. Absent on the last page' }),
    hasMore: z.boolean(),
  })
  .openapi('FeedResponse');

export const UserProfileSchema = z
  .object({
    id: z.string(),
    username: z.string().openapi({ example: 'jane_doe' }),
    email: z.string().openapi({ description: 'From the sign-in token; empty when it had none' }),
    avatarUrl: z.string().nullable(),
    videosCreated: z.number().int(),
    totalLikes: z.number().int(),
    totalDislikes: z.number().int(),
    totalViews: z.number().int(),
    creatorScore: z.number().openapi({ description: 'creator_score v1: 3×likes + 0.1×views + videos − 2×dislikes (docs/feed.md)' }),
    lastActiveAt: z.string(),
    createdAt: z.string(),
  })
  .openapi('UserProfile');

export const RankedUserProfileSchema = UserProfileSchema.extend({
  rank: z.number().int().openapi({ description: '1-based place on the leaderboard' }),
}).openapi('RankedUserProfile');

export const FeedVideoListSchema = z.array(FeedVideoSchema).openapi('FeedVideoList');
