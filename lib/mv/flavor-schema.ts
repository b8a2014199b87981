import { z } from 'zod';
import type { ScenePlanRequest } from '../../providers/ports.js';
import { ASPECT_RATIOS, RESOLUTIONS, type Resolution } from '../../workflows/generation/contract.js';
import { fillTemplate, templateText } from './templates.js';

/**
 * What an MV config flavor's four YAML files may say (config/mv/default/ is the commented
 * reference). Objects are strict: an unknown key is most likely a typo, and a typo silently
 * ignored is a look nobody asked for.
 */

/** The API's bounds on `num_scenes`. */
export const MIN_SCENES = 1;
export const MAX_SCENES = 12;

/** A scene's length in seconds, as a flavor may set it. */
export const MIN_SCENE_SECONDS = 1;
export const MAX_SCENE_SECONDS = 15;

/** The placeholders TextWriter.planScenes fills in a scene template. */
export const SCENE_PLACEHOLDERS = ['concept', 'sequence', 'count'] as const;

const plainText = templateText();

/** scene_prompts.yaml: how each scene's video prompt is written. */
export const scenePromptsSchema = z.strictObject({
  scene_template: templateText({ allowed: SCENE_PLACEHOLDERS, required: ['concept'] }),
  /** Appended to every planned scene's prompt, so all scenes share one look. */
  style_suffix: plainText.optional(),
  /** For video providers that take one. */
  negative_prompt: plainText.optional(),
});

/** image_prompts.yaml: the character reference image's prompt. */
export const imagePromptsSchema = z.strictObject({
  character_reference_template: templateText({ allowed: ['description'], required: ['description'] }),
  /** For image providers that take one. */
  negative_prompt: plainText.optional(),
});

// Image models want sides in multiples of 8 (latent diffusion works on 8×8 blocks).
const side = z.number().int('must be a whole number').min(256, 'must be at least 256').max(2048, 'must be at most 2048').multipleOf(8, 'must be a multiple of 8');

/** image_params.yaml: the character reference image's size and, for providers that take them, sampling settings. */
export const imageParamsSchema = z.strictObject({
  width: side,
  height: side,
  steps: z.number().int('must be a whole number').min(1).max(150).optional(),
  guidance_scale: z.number().min(0).max(30).optional(),
});

/** parameters.yaml: scene length and count, and the clips' frame in the generation vocabulary. */
export const parametersSchema = z.strictObject({
  scene_duration: z.number().min(MIN_SCENE_SECONDS).max(MAX_SCENE_SECONDS),
  default_num_scenes: z.number().int('must be a whole number').min(MIN_SCENES).max(MAX_SCENES),
  video: z.strictObject({
    resolution: z.enum(Object.keys(RESOLUTIONS) as [Resolution, ...Resolution[]]),
    aspect_ratio: z.enum(ASPECT_RATIOS),
  }),
});

export type ScenePrompts = z.infer<typeof scenePromptsSchema>;
export type ImagePrompts = z.infer<typeof imagePromptsSchema>;
export type ImageParams = z.infer<typeof imageParamsSchema>;
export type FlavorParameters = z.infer<typeof parametersSchema>;

/** A flavor's files, in the order they are checked (and a broken one reported). */
export const FLAVOR_FILES = {
  imageParams: { file: 'image_params.yaml', schema: imageParamsSchema },
  imagePrompts: { file: 'image_prompts.yaml', schema: imagePromptsSchema },
  scenePrompts: { file: 'scene_prompts.yaml', schema: scenePromptsSchema },
  parameters: { file: 'parameters.yaml', schema: parametersSchema },
} as const;

/** A loaded, validated flavor: its folder name and its four files as parsed. */
export interface Flavor {
  name: string;
  imageParams: ImageParams;
  imagePrompts: ImagePrompts;
  scenePrompts: ScenePrompts;
  parameters: FlavorParameters;
}

/** What TextWriter.planScenes takes for `flavor`: its scene template as written, its parameters as parsed. */
export function scenePlanRequest(flavor: Flavor, conceptPrompt: string, numScenes: number): ScenePlanRequest {
  return { conceptPrompt, numScenes, template: flavor.scenePrompts.scene_template, parameters: { ...flavor.parameters } };
}

/** A planned scene's prompt with the flavor's style suffix (once, whatever the writer did with the template). */
export function styledScenePrompt(flavor: Flavor, prompt: string): string {
  const suffix = flavor.scenePrompts.style_suffix;
  if (!suffix || prompt.includes(suffix)) return prompt;
  return `${prompt.trim().replace(/[.,;]$/, '')}, ${suffix}`;
}

/** What ImageGenerator.generate takes (less `outputPath`) for a character reference of `description`. */
export function characterImageRequest(flavor: Flavor, description: string): { prompt: string; width: number; height: number } {
  const prompt = fillTemplate(flavor.imagePrompts.character_reference_template, { description: description.trim() });
  return { prompt, width: flavor.imageParams.width, height: flavor.imageParams.height };
}
