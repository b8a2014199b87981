import { z } from '@hono/zod-openapi';

/** The video library's shapes (../shared/seeds/s3-video-library-api.md): the seed's fields, none renamed. */

export const VideoMetadataSchema = z
  .object({
    resolution: z.string().openapi({ example: '1080x1920', description: 'As displayed: rotation applied' }),
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number().openapi({ example: 29.97, description: 'Average frames per second' }),
    codec: z.string().openapi({ example: 'h264' }),
    bitrate: z.number().int().nullable().openapi({ description: 'Bits per second of the whole file' }),
    has_audio: z.boolean(),
    audio_codec: z.string().nullable().openapi({ example: 'aac' }),
    rotation: z.number().int().openapi({ description: 'Degrees the player turns the stored frames: 0, 90, 180 or 270' }),
    container: z.string().openapi({ example: 'mov,mp4,m4a,3gp,3g2,mj2' }),
  })
  .openapi('VideoMetadata');

export const VideoSchema = z
  .object({
    id: z.uuid(),
    filename: z.string().openapi({ example: 'my_video.mp4' }),
    original_filename: z.string().openapi({ example: 'My Video.mp4' }),
    s3_key: z.string().openapi({ example: 'uploads/users/550e8400-e29b-41d4-a716-446655440001/videos/1704123456_0b8f2c1d_my_video.mp4' }),
    s3_url: z.string().openapi({ description: 'A signed GET URL minted for this answer, valid until url_expires_at' }),
    content_type: z.string().openapi({ example: 'video/mp4' }),
    file_size: z.number().int().openapi({ description: 'Bytes', example: 15728640 }),
    duration: z.number().nullable().openapi({ description: 'Seconds', example: 45.5 }),
    thumbnail_url: z.string().nullable().openapi({ description: 'A signed GET URL of a JPEG frame, valid until url_expires_at' }),
    uploaded_at: z.string().openapi({ example: '2024-01-15T10:30:00.000Z' }),
    metadata: VideoMetadataSchema.nullable(),
    url_expires_at: z.string().openapi({ description: 'When s3_url and thumbnail_url stop working' }),
  })
  .openapi('LibraryVideo');

export const VideoPageSchema = z
  .object({
    videos: z.array(VideoSchema),
    total_count: z.number().int().openapi({ description: 'Videos matching the search, over all pages', example: 25 }),
    page: z.number().int().openapi({ example: 1 }),
    page_size: z.number().int().openapi({ example: 10 }),
    total_pages: z.number().int().openapi({ description: 'ceil(total_count / page_size); 0 when nothing matches', example: 3 }),
    has_more: z.boolean().openapi({ description: 'page < total_pages' }),
  })
  .openapi('LibraryVideoPage');

export const RecentVideosSchema = z.object({ videos: z.array(VideoSchema) }).openapi('LibraryRecentVideos');

export const VideoDeletedSchema = z
  .object({
    id: z.uuid(),
    deleted: z.literal(true),
    deleted_at: z.string().openapi({ example: '2024-01-15T10:30:00.000Z' }),
  })
  .openapi('LibraryVideoDeleted');
