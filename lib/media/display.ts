/**
 * How a player shows a video stream's stored frames: its pixels stretched to their shape (sample
 * aspect ratio), then turned by the display matrix. Probing (./ffmpeg.ts) describes it for
 * decisions (sizes, stream copy); ffmpeg turns the frames on decode and every step that decodes
 * someone else's clip squares its pixels with SQUARE_PIXELS, so a clip stored sideways, upside down
 * or with non-square pixels comes out as its owner saw it.
 */

/** The stored geometry of a video stream and how it is shown. */
export interface DisplayGeometry {
  /** Stored frame size, pixels. */
  width: number;
  height: number;
  /** Degrees clockwise the player turns the stored frames: 0, 90, 180 or 270. */
  rotation: number;
  /** Width over height of one stored pixel ("4:3" → 1.333…); 1 when square or unknown. */
  pixelAspect: number;
}

/** Any angle to the nearest quarter turn in 0…270. */
export function quarterTurn(degrees: number): number {
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

/**
 * Clockwise degrees from what ffprobe reports: the display matrix's rotation (counterclockwise,
 * as ffprobe prints it), else the legacy `rotate` tag (clockwise), else 0.
 */
export function clockwiseRotation(matrixRotation: number | undefined, rotateTag: number | undefined): number {
  return quarterTurn(matrixRotation !== undefined ? -matrixRotation : (rotateTag ?? 0));
}

/** "4:3" → 1.333…; 1 for a missing, square or unusable ratio ("0:1", "N/A"). */
export function pixelAspect(ratio: string | undefined): number {
  const [across, down] = (ratio ?? '').split(':').map(Number);
  if (!across || !down || across < 0 || down < 0) return 1;
  return across / down;
}

/** The picture as shown, pixels: the width stretched to square pixels, then quarter turns swap the sides. */
export function displayedSize(geometry: DisplayGeometry): { width: number; height: number } {
  const stretched = geometry.pixelAspect === 1 ? geometry.width : Math.max(1, Math.round(geometry.width * geometry.pixelAspect));
  return geometry.rotation % 180 === 0 ? { width: stretched, height: geometry.height } : { width: geometry.height, height: stretched };
}

/**
 * A filter that squares a clip's decoded pixels in the shape a player shows them (scale passes
 * square frames through untouched): the width is stretched, so a turned clip gets the displayed
 * shape at its turned height rather than displayedSize exactly. ffmpeg has turned the frames on decode by then,
 * by the same display matrix the probe reads (autorotate, on by default): never pass -noautorotate,
 * with which ffmpeg 5.1 also copies the input's matrix onto a single-input output, so a player
 * would turn the picture a second time.
 */
export const SQUARE_PIXELS = 'scale=w=round(iw*sar):h=ih,setsar=1';
