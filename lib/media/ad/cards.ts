import sharp, { type OverlayOptions } from 'sharp';
import { SAFE_DECODE } from '../image-intake.js';
import { textImageSvg, type TextLine } from '../text-image.js';

/**
 * The still overlays of a product ad, drawn with sharp (shapes as SVG, text through
 * lib/media/text-image.ts) into PNGs that ffmpeg lays over the visuals: a caption card per
 * on-screen line, the product photo as a rounded card, and the end card. Text is drawn by librsvg,
 * so quotes, `%` and `\` need no filter escaping.
 * All sizes are in pixels of the output frame.
 */

/** Average advance of a bold DejaVu Sans glyph, in em. */
const GLYPH_EM = 0.62;
const LINE_HEIGHT_EM = 1.25;
/** DejaVu's capital height, in em: centres a line of text in its line box. */
const CAP_HEIGHT_EM = 0.73;
const CTA_COLOUR = '#ffd400';
const CTA_TEXT_COLOUR = '#141414';

export interface WrappedText {
  lines: string[];
  fontSize: number;
}

/** Estimated width of a line in pixels (code points, so an emoji counts once). */
const textWidth = (line: string, fontSize: number) => [...line].length * fontSize * GLYPH_EM;

function wrapAt(words: readonly string[], perLine: number): string[] {
  const lines: string[] = [];
  for (const word of words) {
    // A word longer than a line is cut into line-sized pieces.
    const chars = [...word];
    for (let start = 0; start < chars.length; start += perLine) {
      const piece = chars.slice(start, start + perLine).join('');
      const last = lines.length > 0 && start === 0 ? lines[lines.length - 1]! : undefined;
      if (last !== undefined && [...last].length + 1 + [...piece].length <= perLine) lines[lines.length - 1] = `${last} ${piece}`;
      else lines.push(piece);
    }
  }
  return lines;
}

/** Emoji and their joiners, selectors, skin tones and flags: DejaVu has no glyphs for them, and no colour-emoji font is installed (they would show as boxes). */
const UNDRAWABLE = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0e\ufe0f\u20e3]/gu;

/**
 * `text` (emoji dropped, whitespace collapsed) in at most `maxLines` lines about `maxWidth` wide, at the largest
 * font from `preferred` down to `smallest` (shrinking by a tenth) that fits; what still does not
 * fit ends in an ellipsis.
 */
export function wrapText(text: string, maxWidth: number, preferred: number, smallest: number, maxLines: number): WrappedText {
  const words = text.replace(UNDRAWABLE, '').replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const minimum = Math.round(smallest);
  let fontSize = Math.max(minimum, Math.round(preferred));
  for (;;) {
    const perLine = Math.max(1, Math.floor(maxWidth / (fontSize * GLYPH_EM)));
    const lines = wrapAt(words, perLine);
    if (lines.length <= maxLines) return { lines, fontSize };
    if (fontSize > minimum) {
      fontSize = Math.max(minimum, Math.floor(fontSize * 0.9));
      continue;
    }
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${[...kept[maxLines - 1]!].slice(0, perLine - 1).join('')}…`;
    return { lines: kept, fontSize };
  }
}

/** Wrapped text as text-image lines stacked from `top` (pixels), each centred in a line box 1.25 em high. */
export function stackLines(wrapped: WrappedText, top: number, color?: string): TextLine[] {
  const lineHeight = wrapped.fontSize * LINE_HEIGHT_EM;
  return wrapped.lines.map((text, index) => ({
    text,
    y: Math.round(top + index * lineHeight + (lineHeight + wrapped.fontSize * CAP_HEIGHT_EM) / 2),
    fontSize: wrapped.fontSize,
    ...(color ? { color } : {}),
  }));
}

/** The height of stackLines' block, pixels. */
export const blockHeight = (wrapped: WrappedText) => Math.round(wrapped.lines.length * wrapped.fontSize * LINE_HEIGHT_EM);

/** A rounded rectangle as SVG, centred on the frame's width. */
function pill(frameWidth: number, top: number, width: number, height: number, fill: string, opacity = 1): string {
  const x = Math.round((frameWidth - width) / 2);
  return `<rect x="${x}" y="${top}" width="${Math.round(width)}" height="${height}" rx="${Math.round(Math.min(height / 2, 36))}" fill="${fill}" fill-opacity="${opacity}"/>`;
}

const svg = (width: number, height: number, body: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);

/** A pill behind wrapped text: padding and width for `wrapped` in a frame `frameWidth` wide. */
function pillAround(wrapped: WrappedText, frameWidth: number): { width: number; height: number; padding: number } {
  const padding = Math.round(wrapped.fontSize * 0.45);
  const widest = Math.max(0, ...wrapped.lines.map((line) => textWidth(line, wrapped.fontSize)));
  return { width: Math.min(frameWidth * 0.94, widest + 3 * padding), height: blockHeight(wrapped) + 2 * padding, padding };
}

/**
 * One on-screen line as a PNG `frameWidth` wide: up to three centred lines of bold white text
 * (7 % of the width, down to 4.5 %) on a translucent dark pill. Returns the PNG's height, or
 * undefined (and writes nothing) when the line has nothing drawable.
 */
export async function renderCaptionCard(text: string, frameWidth: number, path: string): Promise<{ height: number } | undefined> {
  const wrapped = wrapText(text, frameWidth * 0.84, frameWidth * 0.07, frameWidth * 0.045, 3);
  if (wrapped.lines.length === 0) return undefined;
  const box = pillAround(wrapped, frameWidth);
  const lines = stackLines(wrapped, box.padding);
  await sharp(svg(frameWidth, box.height, pill(frameWidth, 0, box.width, box.height, '#000000', 0.55)))
    .composite([{ input: Buffer.from(textImageSvg({ width: frameWidth, height: box.height, lines })) }])
    .png()
    .toFile(path);
  return { height: box.height };
}

/**
 * The product photo as a card: the whole photo (contained, on white) in a white rounded frame
 * `side` pixels square, with a soft shadow around it. The PNG is `side + 2 × margin` square;
 * the frame starts `margin` in.
 */
export async function productCard(imagePath: string, side: number): Promise<{ png: Buffer; size: number; margin: number }> {
  const margin = Math.round(side * 0.08);
  const border = Math.max(2, Math.round(side * 0.03));
  const radius = Math.round(side * 0.08);
  const inner = side - 2 * border;
  const innerRadius = Math.max(0, radius - border);
  const photo = await sharp(imagePath, SAFE_DECODE)
    .rotate()
    .resize(inner, inner, { fit: 'contain', background: '#ffffff' })
    .flatten({ background: '#ffffff' })
    .composite([{ input: svg(inner, inner, `<rect width="${inner}" height="${inner}" rx="${innerRadius}"/>`), blend: 'dest-in' }])
    .png()
    .toBuffer();
  const size = side + 2 * margin;
  const frame =
    `<defs><filter id="shadow" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="${margin / 3}"/></filter></defs>` +
    `<rect x="${margin}" y="${margin + margin / 3}" width="${side}" height="${side}" rx="${radius}" fill="#000" fill-opacity="0.5" filter="url(#shadow)"/>` +
    `<rect x="${margin}" y="${margin}" width="${side}" height="${side}" rx="${radius}" fill="#ffffff"/>`;
  const png = await sharp(svg(size, size, frame))
    .composite([{ input: photo, left: margin + border, top: margin + border }])
    .png()
    .toBuffer();
  return { png, size, margin };
}

export interface EndCard {
  width: number;
  height: number;
  productName: string;
  ctaText: string;
  productImagePath?: string;
}

/**
 * The end card, full frame and translucent (it darkens the blurred last frame under it): the
 * product photo card when there is one, the product name (up to two lines) and the call to action
 * as dark text on a yellow button, stacked and centred a little above the middle.
 */
export async function renderEndCard(card: EndCard, path: string): Promise<void> {
  const { width, height } = card;
  const name = wrapText(card.productName, width * 0.84, width * 0.08, width * 0.05, 2);
  const cta = wrapText(card.ctaText, width * 0.72, width * 0.065, width * 0.04, 2);
  const button = pillAround(cta, width);
  const gap = Math.round(height * 0.035);
  const photo = card.productImagePath ? await productCard(card.productImagePath, Math.round(Math.min(width * 0.5, height * 0.3))) : undefined;
  const photoHeight = photo ? photo.size - 2 * photo.margin + gap : 0;
  const total = photoHeight + blockHeight(name) + gap + button.height;
  let top = Math.max(photo?.margin ?? 0, Math.round((height - total) * 0.45));

  const layers: OverlayOptions[] = [];
  if (photo) {
    layers.push({ input: photo.png, left: Math.round((width - photo.size) / 2), top: top - photo.margin });
    top += photoHeight;
  }
  const lines = stackLines(name, top);
  top += blockHeight(name) + gap;
  lines.push(...stackLines(cta, top + button.padding, CTA_TEXT_COLOUR));
  layers.push({ input: Buffer.from(textImageSvg({ width, height, lines })) });

  const buttonShape = cta.lines.length > 0 ? pill(width, top, button.width, button.height, CTA_COLOUR) : '';
  const shapes = `<rect width="${width}" height="${height}" fill="#000000" fill-opacity="0.5"/>${buttonShape}`;
  await sharp(svg(width, height, shapes)).composite(layers).png().toFile(path);
}
