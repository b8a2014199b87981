import type { ChatCompletionMessageParam } from 'groq-sdk/resources/chat/completions';
import { z } from 'zod';
import type { AdScript, ScenePlan, TextWriter, TokenUsage, WriterAnswer } from '../ports.js';
import { ProviderError } from '../provider-error.js';
import { judgeAnswer } from './answers.js';
import { failedGeneration, groqFailure, refusesJsonSchema } from './groq-errors.js';
import { adScriptTask, scenePlanTask, type WritingTask } from './prompts.js';
import { sceneDuration } from './requests.js';
import { createGroqClient } from '../groq-client.js';

/** The writer's final word on a model that kept answering unusable JSON: not retried by Temporal. */
export const LLM_BAD_ANSWER = 'LLM_BAD_ANSWER';

export interface GroqWriterOptions {
  apiKey: string;
  /** Without the /openai/v1 path, e.g. https://api.groq.com. */
  baseURL?: string;
  /** A chat model id (GROQ_TEXT_MODEL), e.g. openai/gpt-oss-20b. */
  model: string;
  /** Per request; 30 s by default. */
  timeoutMs?: number;
  /** How many more answers to ask for, with the problem fed back, after an unusable one; 2 by default. */
  repairs?: number;
}

// Reasoning models (gpt-oss) spend completion tokens thinking before the JSON; leave them room.
const MAX_COMPLETION_TOKENS = 4096;
const ZERO_USAGE: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

const CompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }), finish_reason: z.string().nullable() })).min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative(), total_tokens: z.number().int().nonnegative() })
    .optional(),
});

interface Reply {
  content: string;
  /** Why the model stopped; 'length' means the JSON was cut off. */
  finishReason: string | null;
  usage: TokenUsage;
}

const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  prompt_tokens: a.prompt_tokens + b.prompt_tokens,
  completion_tokens: a.completion_tokens + b.completion_tokens,
  total_tokens: a.total_tokens + b.total_tokens,
});

/**
 * Ad scripts and scene plans from a Groq chat model, as JSON validated with zod (answers.ts).
 * The answer's JSON schema goes in the request as strict structured output; a model Groq refuses
 * it for (400) is asked in JSON-object mode instead, from then on. An unusable answer is asked
 * again within the call with the problem fed back, `repairs` times, then LLM_BAD_ANSWER (not
 * retryable: the same prompt would fail again). Groq's own failures are ProviderErrors from
 * groqFailure; the SDK does not retry (maxRetries 0), Temporal does, after Groq's retry-after.
 * Usage is summed over every answer of the call.
 */
export function createGroqTextWriter(options: GroqWriterOptions): TextWriter {
  const client = createGroqClient(options, 30_000);
  const { model } = options;
  const repairs = options.repairs ?? 2;
  /** Models Groq refused json_schema for, asked in JSON-object mode since. */
  const jsonObjectOnly = new Set<string>();

  async function reply(task: WritingTask<unknown>, messages: ChatCompletionMessageParam[], signal: AbortSignal | undefined): Promise<Reply> {
    const structured = !jsonObjectOnly.has(model);
    let completion: unknown;
    try {
      completion = await client.chat.completions.create(
        {
          model,
          messages,
          temperature: 0.7,
          max_completion_tokens: MAX_COMPLETION_TOKENS,
          response_format: structured
            ? { type: 'json_schema', json_schema: { name: task.name, schema: task.jsonSchema, strict: true } }
            : { type: 'json_object' },
        },
        signal ? { signal } : {},
      );
    } catch (error) {
      if (structured && refusesJsonSchema(error)) {
        jsonObjectOnly.add(model);
        return reply(task, messages, signal);
      }
      // Groq judged the JSON itself and kept no usage; the text is still worth judging and feeding back.
      const rejected = failedGeneration(error);
      if (rejected !== undefined) return { content: rejected, finishReason: 'json_validate_failed', usage: ZERO_USAGE };
      throw groqFailure(error, signal);
    }
    const parsed = CompletionSchema.safeParse(completion);
    if (!parsed.success) throw new ProviderError('GROQ_UNEXPECTED_RESPONSE', 'Groq answered a body that is not a chat completion', { retryable: true });
    const [choice] = parsed.data.choices;
    return { content: choice?.message.content ?? '', finishReason: choice?.finish_reason ?? null, usage: parsed.data.usage ?? ZERO_USAGE };
  }

  async function write<T>(task: WritingTask<T>, signal: AbortSignal | undefined): Promise<WriterAnswer<T>> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: task.system },
      { role: 'user', content: task.user },
    ];
    let usage = ZERO_USAGE;
    let problem = '';
    for (let answer = 0; answer <= repairs; answer += 1) {
      const { content, finishReason, usage: used } = await reply(task, messages, signal);
      usage = addUsage(usage, used);
      const judged = judgeAnswer(content, task.schema);
      if (judged.ok) return { value: judged.value, model, usage };
      problem = finishReason === 'length' ? `it was cut off at ${MAX_COMPLETION_TOKENS} tokens (${judged.problem})` : judged.problem;
      if (content.trim()) messages.push({ role: 'assistant', content: content.slice(0, 8000) });
      messages.push({ role: 'user', content: `That answer cannot be used: ${problem}. Answer again with the whole corrected JSON object only.` });
    }
    throw new ProviderError(LLM_BAD_ANSWER, `${model} answered ${repairs + 1} unusable ${task.what}s; in the last, ${problem}`.slice(0, 1000), { retryable: false });
  }

  return {
    name: 'groq',
    async writeAdScript(brief, signal): Promise<WriterAnswer<AdScript>> {
      const answer = await write(adScriptTask(brief), signal);
      const onScreenLines = [...answer.value.onScreenLines].sort((a, b) => a.startSeconds - b.startSeconds);
      return { ...answer, value: { ...answer.value, onScreenLines } };
    },
    async planScenes(request, signal): Promise<WriterAnswer<ScenePlan>> {
      const duration = sceneDuration(request);
      const answer = await write(scenePlanTask(request), signal);
      return { ...answer, value: { scenes: answer.value.scenes.map(({ sequence, prompt }) => ({ sequence, prompt, duration })) } };
    },
  };
}
