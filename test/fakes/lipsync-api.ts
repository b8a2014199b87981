import { startPredictionsApiFake, type PredictionsApiFake } from './predictions-api.js';

export type { PredictionStatus, ScriptedAnswer } from './predictions-api.js';

/** The lip-sync model's input: the portrait's URL and the script it says. */
export interface LipsyncModelInput {
  image: string;
  text: string;
}

export type LipsyncApiFake = PredictionsApiFake<LipsyncModelInput>;

/** The predictions fake (./predictions-api.ts) running a lip-sync model, whose output is `clip`. */
export function startLipsyncApiFake(options: { token: string; clip: Buffer }): Promise<LipsyncApiFake> {
  return startPredictionsApiFake<LipsyncModelInput>({
    token: options.token,
    output: options.clip,
    parseInput(input) {
      const { image, text } = (input ?? {}) as { image?: unknown; text?: unknown };
      if (typeof image !== 'string' || typeof text !== 'string') return { invalid: 'input.image and input.text are required' };
      return { input: { image, text } };
    },
  });
}
