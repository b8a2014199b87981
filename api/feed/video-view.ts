import type { FeedAssetType, FeedVideoRow, FeedVideoStatus } from '../../db/feed/videos.js';
import type { AppDeps } from '../lib/types.js';

/** A stored medium as the seed's `video.assets[]` shows it. */
export interface FeedAsset {
  assetType: FeedAssetType;
  /** `local` (MEDIA_ROOT, served under /media/) or `s3`. */
  storageBackend: string;
  storageKey: string;
  /** `<bucket>/<storageKey>`: where the object sits in its store (the bucket is `local` for MEDIA_ROOT). */
  filePath: string;
  /** A signed GET URL minted for this answer (MEDIA_URL_TTL_SECONDS; at most 7 days on S3). */
  publicUrl: string;
  sourceUrl: string | null;
  /** Whole seconds; null when unknown or not a video. */
  durationSeconds: number | null;
  createdAt: string;
  updatedAt: string;
}

/** The seed's `Video`, plus recreate lineage, the stored media and the last change. */
export interface FeedVideo {
  id: string;
  prompt: string;
  /** The video's signed URL once completed; '' before. */
  videoUrl: string;
  /** The thumbnail's signed URL, when there is one. */
  thumbnailUrl?: string;
  userId: string;
  username?: string;
  likes: number;
  dislikes: number;
  views: number;
  createdAt: string;
  status: FeedVideoStatus;
  /** ranking_score v1 (docs/feed.md) as of this answer. */
  ranking_score?: number;
  sourceVideoId: string | null;
  assets: FeedAsset[];
  updatedAt: string;
}

/** A feed video as every endpoint answers it; each asset's URL is signed once per answer. */
export async function feedVideoView(deps: Pick<AppDeps, 'storage'>, row: FeedVideoRow): Promise<FeedVideo> {
  const { storage } = deps;
  const assets = await Promise.all(
    row.assets.map(async (asset): Promise<FeedAsset> => ({
      assetType: asset.assetType,
      storageBackend: asset.storageBackend,
      storageKey: asset.storageKey,
      filePath: `${storage.location(asset.storageKey).bucket}/${asset.storageKey}`,
      publicUrl: await storage.signedUrl(asset.storageKey),
      sourceUrl: asset.sourceUrl,
      durationSeconds: asset.durationSeconds,
      createdAt: asset.createdAt.toISOString(),
      updatedAt: asset.updatedAt.toISOString(),
    })),
  );
  const video = assets.find((asset) => asset.assetType === 'video');
  const thumbnail = assets.find((asset) => asset.assetType === 'thumbnail');
  return {
    id: row.id,
    prompt: row.prompt,
    videoUrl: row.status === 'completed' && video ? video.publicUrl : '',
    ...(thumbnail ? { thumbnailUrl: thumbnail.publicUrl } : {}),
    userId: row.userId,
    username: row.username,
    likes: row.likes,
    dislikes: row.dislikes,
    views: row.views,
    createdAt: row.createdAt.toISOString(),
    status: row.status,
    ranking_score: row.rankingScore,
    sourceVideoId: row.sourceVideoId,
    assets,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Several videos in their order. */
export function feedVideoViews(deps: Pick<AppDeps, 'storage'>, rows: FeedVideoRow[]): Promise<FeedVideo[]> {
  return Promise.all(rows.map((row) => feedVideoView(deps, row)));
}
