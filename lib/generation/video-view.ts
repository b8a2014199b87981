import type { GeneratedVideo } from '../../db/generation/videos.js';
import type { Storage } from '../../providers/ports.js';

/** The seed's UserVideo object (../shared/seeds/async-generation-api.md, "Get Job Result"). */
export interface UserVideo {
  id: string;
  user_id: string;
  /** Signed, expiring links minted for this response (local storage) or presigned S3 URLs. */
  url: string;
  thumbnail_url: string;
  prompt: string;
  generation_type: GeneratedVideo['generationType'];
  source_image_url: string | null;
  duration_seconds: number;
  resolution: string;
  aspect_ratio: string;
  reference_person: GeneratedVideo['referencePerson'];
  metadata: Record<string, unknown>;
  is_favorited: boolean;
  created_at: string;
  updated_at: string;
}

/** A video as every endpoint and webhook shows it, with fresh signed URLs. */
export async function userVideo(video: GeneratedVideo, storage: Storage): Promise<UserVideo> {
  const [url, thumbnailUrl] = await Promise.all([storage.signedUrl(video.videoKey), storage.signedUrl(video.thumbnailKey)]);
  return {
    id: video.id,
    user_id: video.accountId,
    url,
    thumbnail_url: thumbnailUrl,
    prompt: video.prompt,
    generation_type: video.generationType,
    source_image_url: video.sourceImageUrl,
    duration_seconds: Math.round(video.durationSeconds * 100) / 100,
    resolution: video.resolution,
    aspect_ratio: video.aspectRatio,
    reference_person: video.referencePerson,
    metadata: video.metadata,
    is_favorited: video.isFavorited,
    created_at: video.createdAt.toISOString(),
    updated_at: video.updatedAt.toISOString(),
  };
}
