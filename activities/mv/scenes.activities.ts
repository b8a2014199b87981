import { Context } from '@temporalio/activity';
import { scenePlanRequest, styledScenePrompt, type Flavor } from '../../lib/mv/flavor-schema.js';
import type { TextWriter, TokenUsage } from '../../providers/ports.js';
import { toActivityFailure } from '../../providers/provider-error.js';
import type { MvScene } from '../../workflows/mv/contract.js';

export interface PlannedScenes {
  scenes: MvScene[];
  /** Which writer: `local` is the template writer, not a model. */
  writer: TextWriter['name'];
  model: string;
  usage: TokenUsage;
  costUsd: number;
}

/** plan_scenes: a music video's scene prompts from a concept, through the configured TextWriter and the flavor's templates. */
export function createMvSceneActivities(deps: { writer: TextWriter; usdPerMillionTokens: { input: number; output: number } }) {
  return {
    /**
     * `numScenes` scenes numbered 1…n, each lasting the flavor's scene_duration, each prompt ending
     * in the flavor's style suffix. Throws the writer's ProviderError as an activity failure
     * (LLM_BAD_ANSWER after its own retries; 429 and 5xx retryable).
     */
    async planMvScenes(input: { flavor: Flavor; conceptPrompt: string; numScenes: number }): Promise<PlannedScenes> {
      try {
        const answer = await deps.writer.planScenes(scenePlanRequest(input.flavor, input.conceptPrompt, input.numScenes), Context.current().cancellationSignal);
        const scenes = answer.value.scenes.map((scene) => ({ sequence: scene.sequence, prompt: styledScenePrompt(input.flavor, scene.prompt), duration: scene.duration }));
        const price = deps.usdPerMillionTokens;
        const costUsd = (answer.usage.prompt_tokens * price.input + answer.usage.completion_tokens * price.output) / 1_000_000;
        return { scenes, writer: deps.writer.name, model: answer.model, usage: answer.usage, costUsd };
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}
