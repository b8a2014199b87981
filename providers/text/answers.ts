import { z } from 'zod';
import type { AdBrief } from '../ports.js';
import { adSeconds, countWords, voiceoverWords } from './requests.js';

/**
 * The JSON a language model must answer with, as zod schemas: strings trimmed and capped, ad
 * script times inside the ad, voice-overs that fit it, scenes numbered 1…n. The same schema gives
 * the JSON schema sent to the model (answerJsonSchema) and judges its answer (judgeAnswer).
 */

/** Characters at most, per field: room for good copy (a 2-minute voice-over is ~2,000), not for an essay. */
export const TEXT_LIMITS = {
  hook: 160,
  body: 2400,
  callToAction: 120,
  voiceover: 3000,
  onScreenLine: 60,
  visualPrompt: 800,
  scenePrompt: 1500,
} as const;
export const MAX_ON_SCREEN_LINES = 8;

const text = (max: number) => z.string().trim().min(1).max(max);

// Compared without case, punctuation or spacing: "Buy now" says "Buy Now!".
const plain = (value: string) => value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** An ad script for `brief`: AdScript's shape, with every time in [0, targetSeconds] and start < end. */
export function adScriptSchema(brief: AdBrief) {
  const seconds = adSeconds(brief);
  const words = voiceoverWords(seconds);
  const time = z.number().min(0).max(seconds);
  const line = z.object({
    text: text(TEXT_LIMITS.onScreenLine).describe('A few words shown on screen'),
    startSeconds: time.describe('When the line appears, seconds from the start'),
    endSeconds: time.describe('When it disappears; after startSeconds'),
  });
  return z
    .object({
      hook: text(TEXT_LIMITS.hook).describe('The opening line that stops the scroll'),
      body: text(TEXT_LIMITS.body).describe('What the product does for the viewer'),
      callToAction: text(TEXT_LIMITS.callToAction).describe(`The closing line; it contains "${brief.ctaText}"`),
      voiceover: text(TEXT_LIMITS.voiceover).describe(`Hook, body and call to action as spoken, ${words.min} to ${words.max} words`),
      onScreenLines: z.array(line).min(1).max(MAX_ON_SCREEN_LINES).describe('In time order'),
      visualPrompt: text(TEXT_LIMITS.visualPrompt).describe('A prompt for the video model: subject, setting, motion, camera, light'),
    })
    .superRefine((script, ctx) => {
      script.onScreenLines.forEach((shown, index) => {
        if (shown.startSeconds >= shown.endSeconds) {
          ctx.addIssue({ code: 'custom', path: ['onScreenLines', index], message: `starts at ${shown.startSeconds} s and ends at ${shown.endSeconds} s; it must end after it starts` });
        }
      });
      const spoken = countWords(script.voiceover);
      if (spoken < words.min || spoken > words.max) {
        ctx.addIssue({ code: 'custom', path: ['voiceover'], message: `has ${spoken} words; ${words.min} to ${words.max} fit ${seconds} seconds` });
      }
      if (!plain(script.callToAction).includes(plain(brief.ctaText))) {
        ctx.addIssue({ code: 'custom', path: ['callToAction'], message: `must contain the merchant's call to action "${brief.ctaText}"` });
      }
    });
}

/** A scene plan's prompts: exactly `count` scenes numbered 1…count in order (durations come from the flavor). */
export function scenePromptsSchema(count: number) {
  return z
    .object({
      scenes: z
        .array(
          z.object({
            sequence: z.number().int().min(1).max(count).describe('The scene number, from 1'),
            prompt: text(TEXT_LIMITS.scenePrompt).describe("The video model's prompt for this scene"),
          }),
        )
        .length(count),
    })
    .superRefine(({ scenes }, ctx) => {
      scenes.forEach((scene, index) => {
        if (scene.sequence !== index + 1) {
          ctx.addIssue({ code: 'custom', path: ['scenes', index, 'sequence'], message: `is ${scene.sequence}; scenes are numbered 1 to ${count} in order` });
        }
      });
    });
}

// Groq refuses some bound keywords in a response schema ("minItems is not supported",
// i-am-bee/beeai-framework#1215), so they travel as words in the description; zod enforces them.
const BOUND_WORDS: Record<string, string> = {
  minLength: 'at least {n} characters',
  maxLength: 'at most {n} characters',
  minItems: 'at least {n} items',
  maxItems: 'at most {n} items',
  minimum: 'at least {n}',
  maximum: 'at most {n}',
};

function describeBounds(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(describeBounds);
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  const words: string[] = [];
  if (typeof schema['minItems'] === 'number' && schema['minItems'] === schema['maxItems']) {
    words.push(`exactly ${schema['minItems']} items`);
    delete schema['minItems'];
    delete schema['maxItems'];
  }
  for (const [keyword, phrase] of Object.entries(BOUND_WORDS)) {
    const bound = schema[keyword];
    if (typeof bound !== 'number') continue;
    delete schema[keyword];
    // Trimmed text must not be empty anyway; z.number().int() adds ±2^53, which says nothing.
    if ((keyword !== 'minLength' || bound > 1) && Math.abs(bound) < Number.MAX_SAFE_INTEGER) words.push(phrase.replace('{n}', String(bound)));
  }
  if (words.length > 0) schema['description'] = [schema['description'], words.join(', ')].filter(Boolean).join('; ');
  Object.values(schema).forEach(describeBounds);
}

/**
 * The JSON schema of `schema`'s answers for Groq's response_format: every property required and
 * objects closed (what strict mode demands, console.groq.com/docs/structured-outputs), bounds as words.
 */
export function answerJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  describeBounds(json);
  return json;
}

const pathText = (path: PropertyKey[]) => path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)), '');

/** A model's answer judged against `schema`: the value, or what was wrong in words the model can act on. */
export function judgeAnswer<T>(content: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; problem: string } {
  // JSON mode answers are bare JSON; a model without it may still fence it in Markdown.
  const unfenced = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch (error) {
    const said = unfenced ? JSON.stringify(unfenced.slice(0, 80)) : 'nothing';
    return { ok: false, problem: `it is not JSON (${(error as Error).message}); it began ${said}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 6).map((issue) => (issue.path.length > 0 ? `${pathText(issue.path)}: ${issue.message}` : issue.message));
  return { ok: false, problem: issues.join('; ') };
}
