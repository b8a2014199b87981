import sharp from 'sharp';

/**
 * Text drawn into a PNG with sharp (SVG through librsvg), for ffmpeg to overlay: needs no drawtext
 * build option and no font path, and renders the same pixels every time.
 */

export interface TextLine {
  text: string;
  /** Baseline position from the top. */
  y: number;
  fontSize: number;
  weight?: 'normal' | 'bold';
  color?: string;
}

export interface TextImage {
  width: number;
  height: number;
  lines: TextLine[];
  /** An SVG fill for the whole image (colour or `url(#…)` of a gradient in `defs`); transparent when absent. */
  background?: string;
  /** A dark band behind the text, from this y to the bottom, for legibility on photos. */
  shadeFromY?: number;
  defs?: string;
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Shrinks the font so a line of `text` fits `maxWidth` (average glyph ≈ 0.58 em in DejaVu Sans). */
export function fittingFontSize(text: string, maxWidth: number, preferred: number): number {
  return Math.max(18, Math.min(preferred, Math.floor(maxWidth / (Math.max(1, text.length) * 0.58))));
}

export function textImageSvg(image: TextImage): string {
  const shade =
    image.shadeFromY === undefined
      ? ''
      : `<linearGradient id="shade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.6"/></linearGradient>`;
  const background = image.background ? `<rect width="100%" height="100%" fill="${image.background}"/>` : '';
  const band =
    image.shadeFromY === undefined
      ? ''
      : `<rect x="0" y="${image.shadeFromY}" width="${image.width}" height="${image.height - image.shadeFromY}" fill="url(#shade)"/>`;
  const lines = image.lines
    .map(
      (line) =>
        `<text x="${image.width / 2}" y="${line.y}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${line.fontSize}" font-weight="${line.weight ?? 'bold'}" fill="${line.color ?? '#ffffff'}" text-anchor="middle">${escapeXml(line.text)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}"><defs>${shade}${image.defs ?? ''}</defs>${background}${band}${lines}</svg>`;
}

export async function renderTextImage(image: TextImage, path: string): Promise<void> {
  await sharp(Buffer.from(textImageSvg(image))).png().toFile(path);
}
