import type { AdBrief, ScenePlanRequest } from '../ports.js';
import { ProviderError } from '../provider-error.js';

/**
 * What both text writers check and derive from a request before writing: the ad's length, the
 * scene count and length, and the flavor's scene template filled in. A request outside these
 * bounds is a caller's bug (the API validates first), so it fails at once: TEXT_REQUEST_INVALID.
 */

export const TEXT_REQUEST_INVALID = 'TEXT_REQUEST_INVALID';

/** Conversational voice-over pace, words per second (about 150 words a minute). */
export const SPOKEN_WORDS_PER_SECOND = 2.5;
/** How far a voice-over may stray from that pace and still fit the ad: ±40 %. */
const PACE_TOLERANCE = 0.4;

/** An ad's length bounds, seconds: under 5 there is no room for a hook, a body and a call; over 2 minutes it is no ad. */
export const MIN_AD_SECONDS = 5;
export const MAX_AD_SECONDS = 120;
/** Matches the API's bound on `num_scenes` (lib/mv/flavor-schema.ts allows 12; a little headroom). */
export const MAX_SCENES = 24;
/** Seconds per scene when the flavor's parameters.yaml has no `scene_duration`. */
export const DEFAULT_SCENE_DURATION = 5;

const invalid = (message: string) => new ProviderError(TEXT_REQUEST_INVALID, message, { retryable: false });

/** The brief's targetSeconds, checked: a number from 5 to 120. */
export function adSeconds(brief: AdBrief): number {
  const seconds = brief.targetSeconds;
  if (!Number.isFinite(seconds) || seconds < MIN_AD_SECONDS || seconds > MAX_AD_SECONDS) {
    throw invalid(`targetSeconds must be from ${MIN_AD_SECONDS} to ${MAX_AD_SECONDS}, not ${seconds}`);
  }
  return seconds;
}

export const countWords = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/** How many voice-over words fit `seconds` at SPOKEN_WORDS_PER_SECOND: the aim and the accepted range. */
export function voiceoverWords(seconds: number): { target: number; min: number; max: number } {
  const target = seconds * SPOKEN_WORDS_PER_SECOND;
  return {
    target: Math.round(target),
    min: Math.max(1, Math.floor(target * (1 - PACE_TOLERANCE))),
    max: Math.ceil(target * (1 + PACE_TOLERANCE)),
  };
}

/** numScenes, checked: a whole number in [1, 24]. */
export function sceneCount(request: ScenePlanRequest): number {
  const count = request.numScenes;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SCENES) {
    throw invalid(`numScenes must be a whole number from 1 to ${MAX_SCENES}, not ${count}`);
  }
  return count;
}

/** Each scene's length, seconds: `parameters.scene_duration` (a positive number) or 5 when absent. */
export function sceneDuration(request: ScenePlanRequest): number {
  const duration = request.parameters['scene_duration'];
  if (duration === undefined) return DEFAULT_SCENE_DURATION;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) {
    throw invalid(`parameters.scene_duration must be a positive number of seconds, not ${JSON.stringify(duration)}`);
  }
  return duration;
}

/** Used when a flavor's template is blank. */
export const DEFAULT_SCENE_TEMPLATE = 'Scene {sequence} of {count}: {concept}';

/**
 * The flavor's scene template with these placeholders filled (lib/mv/flavor-schema.ts allows no
 * others): `{concept}` the request's concept, trimmed; `{count}` the number of scenes; `{sequence}`
 * this scene's number from 1, or left as written when `sequence` is omitted (the Groq writer tells
 * the model what it means). Any other brace text is kept as written.
 */
export function fillSceneTemplate(request: ScenePlanRequest, sequence?: number): string {
  const template = request.template.trim() || DEFAULT_SCENE_TEMPLATE;
  const values: Record<string, string> = { concept: request.conceptPrompt.trim(), count: String(sceneCount(request)) };
  if (sequence !== undefined) values['sequence'] = String(sequence);
  return template.replace(/\{([a-z_][a-z0-9_]*)\}/g, (written, name: string) => values[name] ?? written);
}
