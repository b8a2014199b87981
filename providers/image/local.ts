import { createHash, randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { blockHeight, stackLines, wrapText } from '../../lib/media/ad/cards.js';
import { textImageSvg } from '../../lib/media/text-image.js';
import type { ImageGenerator } from '../ports.js';
import { ProviderError } from '../provider-error.js';

/**
 * The offline image generator (`local/render`): no model imagines the character. It renders a
 * stylised portrait card with sharp (SVG through librsvg): a gradient, a halo and a frame in a
 * palette derived from the prompt (its SHA-256 picks the hues and one of three hair shapes), a
 * head-and-shoulders silhouette, and the description as a caption on a dark band at the bottom.
 * A real width×height JPEG for whatever consumes reference images; same prompt and size, same bytes.
 */

export const LOCAL_IMAGE_MODEL = 'local/render';
/** Sides sharp renders comfortably and a reference image needs, pixels. */
const MIN_SIDE = 64;
const MAX_SIDE = 4096;

/** `#rrggbb` for a hue in degrees (any, wrapped) and saturation/lightness in 0…1. */
function hsl(hue: number, saturation: number, lightness: number): string {
  const h = (((hue % 360) + 360) % 360) / 30;
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + h) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

export interface Palette {
  top: string;
  bottom: string;
  halo: string;
  figure: string;
  hair: string;
  accent: string;
  /** 0 short, 1 long, 2 bun. */
  hairStyle: 0 | 1 | 2;
}

/** The card's colours and hair shape, from the prompt's SHA-256 (case and spacing ignored). */
export function paletteFor(prompt: string): Palette {
  const digest = createHash('sha256').update(prompt.replace(/\s+/g, ' ').trim().toLowerCase()).digest();
  const hue = digest.readUInt16BE(0) % 360;
  const figureHue = hue + 150 + (digest[2] ?? 0) % 60;
  return {
    top: hsl(hue, 0.55, 0.42),
    bottom: hsl(hue + 40, 0.6, 0.14),
    halo: hsl(hue + 180, 0.7, 0.65),
    figure: hsl(figureHue, 0.3, 0.12),
    hair: hsl(figureHue + 30, 0.45, 0.22),
    accent: hsl(hue + 200, 0.65, 0.55),
    hairStyle: ((digest[3] ?? 0) % 3) as Palette['hairStyle'],
  };
}

/** The hair behind the head: short (a cap), long (to the shoulders) or a bun on top. */
function hairShape(style: Palette['hairStyle'], cx: number, headY: number, rx: number, ry: number): string {
  if (style === 1) return `<rect x="${cx - rx * 1.2}" y="${headY - ry * 1.1}" width="${rx * 2.4}" height="${ry * 2.6}" rx="${rx * 1.1}"/>`;
  const cap = `<ellipse cx="${cx}" cy="${headY - ry * 0.18}" rx="${rx * 1.1}" ry="${ry * 0.95}"/>`;
  return style === 2 ? `${cap}<circle cx="${cx}" cy="${headY - ry * 1.15}" r="${rx * 0.55}"/>` : cap;
}

/** The card without its caption, as SVG; the figure stands above `captionTop`. */
function portraitSvg(width: number, height: number, captionTop: number, palette: Palette): string {
  const unit = Math.min(width, captionTop * 1.1);
  const cx = width / 2;
  const headY = captionTop * 0.42;
  const rx = unit * 0.15;
  const ry = unit * 0.19;
  const shoulderY = headY + ry + unit * 0.07;
  const half = unit * 0.46;
  const inset = Math.round(Math.min(width, height) * 0.025);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs>` +
    `<linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${palette.top}"/><stop offset="1" stop-color="${palette.bottom}"/></linearGradient>` +
    `<radialGradient id="halo"><stop offset="0" stop-color="${palette.halo}" stop-opacity="0.55"/><stop offset="1" stop-color="${palette.halo}" stop-opacity="0"/></radialGradient></defs>` +
    `<rect width="${width}" height="${height}" fill="url(#bg)"/>` +
    `<circle cx="${cx}" cy="${headY}" r="${unit * 0.45}" fill="url(#halo)"/>` +
    `<g fill="${palette.hair}">${hairShape(palette.hairStyle, cx, headY, rx, ry)}</g>` +
    `<g fill="${palette.figure}">` +
    `<path d="M${cx - half},${height} C${cx - half},${shoulderY + unit * 0.08} ${cx - half * 0.6},${shoulderY} ${cx},${shoulderY} ` +
    `C${cx + half * 0.6},${shoulderY} ${cx + half},${shoulderY + unit * 0.08} ${cx + half},${height} Z"/>` +
    `<rect x="${cx - unit * 0.06}" y="${headY + ry * 0.6}" width="${unit * 0.12}" height="${shoulderY - headY - ry * 0.5}"/>` +
    `<ellipse cx="${cx}" cy="${headY}" rx="${rx}" ry="${ry}"/></g>` +
    `<rect x="0" y="${captionTop}" width="${width}" height="${height - captionTop}" fill="#000000" fill-opacity="0.45"/>` +
    `<rect x="${inset}" y="${inset}" width="${width - 2 * inset}" height="${height - 2 * inset}" rx="${inset * 2}" fill="none" stroke="${palette.accent}" stroke-width="${Math.max(2, inset / 2)}"/>` +
    `</svg>`
  );
}

/** The portrait card for `prompt` as JPEG bytes, width×height pixels. */
export async function renderPortraitCard(prompt: string, width: number, height: number): Promise<Buffer> {
  const caption = wrapText(prompt, width * 0.86, width * 0.05, width * 0.032, 3);
  const padding = Math.round(caption.fontSize * 0.8);
  const captionTop = caption.lines.length > 0 ? height - blockHeight(caption) - 2 * padding : height;
  const text = textImageSvg({ width, height, lines: stackLines(caption, captionTop + padding) });
  return sharp(Buffer.from(portraitSvg(width, height, captionTop, paletteFor(prompt))))
    .composite([{ input: Buffer.from(text) }])
    .flatten()
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * The local ImageGenerator. Writes the card to request.outputPath (through a temporary file beside
 * it); a side outside 64…4096 or not whole is a non-retryable IMAGE_BAD_SIZE; an aborted signal
 * rejects with its reason before anything is written.
 */
export function createLocalImageGenerator(): ImageGenerator {
  return {
    name: 'local',
    async generate(request, progress) {
      const { width, height, outputPath } = request;
      if (![width, height].every((side) => Number.isInteger(side) && side >= MIN_SIDE && side <= MAX_SIDE)) {
        throw new ProviderError('IMAGE_BAD_SIZE', `Image size ${width}×${height} is not whole pixels between ${MIN_SIDE} and ${MAX_SIDE}`, { retryable: false });
      }
      progress.signal.throwIfAborted();
      const jpeg = await renderPortraitCard(request.prompt, width, height);
      progress.signal.throwIfAborted();
      const temp = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.jpg`);
      try {
        await writeFile(temp, jpeg);
        await rename(temp, outputPath);
      } finally {
        await rm(temp, { force: true });
      }
      progress.report(1);
      return { model: LOCAL_IMAGE_MODEL };
    },
  };
}
