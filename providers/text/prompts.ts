import type { z } from 'zod';
import type { AdBrief, ScenePlanRequest } from '../ports.js';
import { adScriptSchema, answerJsonSchema, scenePromptsSchema } from './answers.js';
import { adSeconds, fillSceneTemplate, sceneCount, sceneDuration, voiceoverWords } from './requests.js';

/**
 * What the Groq writer asks a chat model, per task: a system prompt with the rules and the answer's
 * JSON schema (also sent as response_format; in the prompt too for models in JSON-object mode,
 * which Groq requires to mention JSON), and a user prompt with the request's facts.
 */
export interface WritingTask<T> {
  /** The response_format schema's name: letters, digits, _ and -. */
  name: string;
  /** What is being written, for error messages ("ad script"). */
  what: string;
  schema: z.ZodType<T>;
  jsonSchema: Record<string, unknown>;
  system: string;
  user: string;
}

function task<T>(name: string, what: string, schema: z.ZodType<T>, rules: string[], facts: Record<string, string | number | boolean>): WritingTask<T> {
  const jsonSchema = answerJsonSchema(schema);
  const system = [
    ...rules,
    'Answer with one JSON object and nothing else (no Markdown, no comments). It must match this JSON schema:',
    JSON.stringify(jsonSchema),
  ].join('\n');
  return { name, what, schema, jsonSchema, system, user: JSON.stringify(facts, null, 2) };
}

export function adScriptTask(brief: AdBrief) {
  const seconds = adSeconds(brief);
  const words = voiceoverWords(seconds);
  const visuals = brief.hasProductImage
    ? 'The visuals animate the merchant’s product photo: visualPrompt describes motion, camera and light around the product as photographed, not a new look for it.'
    : 'There is no product photo: visualPrompt describes the product, its setting, motion, camera and light.';
  return task('ad_script', 'ad script', adScriptSchema(brief), [
    `You write scripts for short video ads. The user message is the merchant's brief as JSON. Write a ${seconds}-second ad in the brief's style.`,
    `The voiceover is the hook, then the body, then the call to action, as spoken: about ${words.target} words (${words.min} to ${words.max}), at a relaxed pace.`,
    `The call to action uses the merchant's own words "${brief.ctaText}".`,
    `onScreenLines are a few short lines in time order; each has startSeconds < endSeconds, both within 0 to ${seconds}.`,
    visuals,
    'Say nothing the brief does not support: no prices, discounts, awards or health claims.',
  ], {
    product: brief.productName,
    style: brief.style,
    callToAction: brief.ctaText,
    seconds,
    hasProductPhoto: brief.hasProductImage,
  });
}

export function scenePlanTask(request: ScenePlanRequest) {
  const count = sceneCount(request);
  const template = fillSceneTemplate(request);
  const seconds = sceneDuration(request);
  return task('scene_plan', 'scene plan', scenePromptsSchema(count), [
    `You plan music videos for a text-to-video model. Write ${count} scene prompts for the user's concept, numbered 1 to ${count}, that tell one story together.`,
    `Each scene is one ${seconds}-second shot.`,
    'Each prompt stands alone (the video model sees one at a time): name the character, the action, the setting and the camera, and keep them consistent across scenes.',
    `Write each scene's prompt following this brief, where {sequence} is that scene's number:\n${template}`,
  ], {
    concept: request.conceptPrompt.trim(),
    scenes: count,
    secondsPerScene: seconds,
  });
}
