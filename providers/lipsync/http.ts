import type { Config } from '../../lib/config.js';
import type { ActivityProgress, LipsyncGenerator, LipsyncInput, SubmissionAnswers } from '../ports.js';
import { PredictionsClient, type PredictionsApiOptions } from '../predictions/client.js';

/**
 * Lip-sync through a Replicate-style predictions API (providers/predictions/client.ts):
 *
 *   POST {LIPSYNC_API_URL}/predictions   {"version": "{LIPSYNC_MODEL}", "input": {"image": "<signed portrait URL>", "text": "<script>"}}
 *
 * then polled to its clip, written to input.outputPath; a retried attempt resumes the prediction
 * and a cancelled job cancels it. Errors are ProviderErrors coded `LIPSYNC_*`.
 */

export interface HttpLipsyncOptions extends PredictionsApiOptions {
  model: string;
}

const MAX_SCRIPT_ANSWER = 40;

/** What the portrait says, built from the form's answers. */
export function lipsyncScript(answers: SubmissionAnswers): string {
  const clean = (answer: string) => {
    const text = answer.replace(/\s+/g, ' ').trim();
    return text.length > MAX_SCRIPT_ANSWER ? text.slice(0, MAX_SCRIPT_ANSWER) : text;
  };
  return `What I love most: ${clean(answers.attribute_love)}. ${clean(answers.relationship_status)}, and all about ${clean(answers.vibe)}. This is my Close-Up moment!`;
}

export class HttpLipsyncGenerator implements LipsyncGenerator {
  readonly name = 'http' as const;
  private readonly predictions: PredictionsClient;

  constructor(private readonly options: HttpLipsyncOptions) {
    this.predictions = new PredictionsClient({ ...options, provider: 'LIPSYNC', label: 'Lip-sync' });
  }

  generate(input: LipsyncInput, progress: ActivityProgress): Promise<{ predictionId: string }> {
    const request = { image: input.portraitUrl, text: lipsyncScript(input.answers) };
    return this.predictions.run({ version: this.options.model, input: request, outputPath: input.outputPath }, progress);
  }
}

export function createHttpLipsyncGenerator(
  config: Pick<Config, 'LIPSYNC_API_URL' | 'LIPSYNC_API_TOKEN' | 'LIPSYNC_MODEL'>,
  options: Omit<HttpLipsyncOptions, 'apiUrl' | 'token' | 'model'> = {},
): HttpLipsyncGenerator {
  if (!config.LIPSYNC_API_URL || !config.LIPSYNC_API_TOKEN || !config.LIPSYNC_MODEL) {
    throw new Error('LIPSYNC_API_URL, LIPSYNC_API_TOKEN and LIPSYNC_MODEL are required for LIPSYNC_PROVIDER=http');
  }
  return new HttpLipsyncGenerator({ apiUrl: config.LIPSYNC_API_URL, token: config.LIPSYNC_API_TOKEN, model: config.LIPSYNC_MODEL, ...options });
}
