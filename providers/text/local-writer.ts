import type { AdBrief, AdScript, ScenePlan, ScenePlanRequest, TextWriter, WriterAnswer } from '../ports.js';
import { TEXT_LIMITS } from './answers.js';
import { adSeconds, countWords, fillSceneTemplate, sceneCount, sceneDuration, voiceoverWords } from './requests.js';

export const LOCAL_TEXT_MODEL = 'local/template';

/** Copy for one family of styles; `{p}` stands for the product's name. */
interface Tone {
  /** Style words that choose this tone ("Bold & energetic" → energetic). */
  matches: RegExp;
  hook: string;
  /** Said in order until the voice-over is long enough. */
  body: string[];
  /** On screen while the body is said. */
  tagline: string;
  /** Said before the merchant's call to action. */
  lead: string;
  look: string;
  motion: string;
}

const TONES: Tone[] = [
  {
    matches: /energ|bold|hype|sport|dynamic|fun|vibrant/i,
    hook: 'Ready for more? Meet {p}!',
    body: ['{p} keeps up with every move you make.', 'Fast, bold and built for real life.', 'Grab it, go, and never look back.', 'Every day feels a little bigger with {p}.'],
    tagline: 'Built to keep up',
    lead: 'Don’t wait.',
    look: 'punchy saturated colours, hard light, quick cuts',
    motion: 'fast whip pans and a dynamic orbit around the product',
  },
  {
    matches: /minimal|simple|clean|calm|zen/i,
    hook: '{p}. Nothing more.',
    body: ['Simple form, honest materials.', 'Only what matters, nothing that doesn’t.', '{p} fits quietly into your day.', 'Less noise. More you.'],
    tagline: 'Only what matters',
    lead: 'Keep it simple.',
    look: 'white seamless backdrop, soft diffused light, generous negative space',
    motion: 'a slow, steady push-in with no distractions',
  },
  {
    matches: /lux|premium|elegan|sophisticat|classic/i,
    hook: 'Some things are made to be noticed. {p}.',
    body: ['Every detail of {p} is considered.', 'Crafted for those who expect more.', 'Refined, lasting and unmistakably yours.', 'Quality you can feel the moment you hold it.'],
    tagline: 'Crafted to be noticed',
    lead: 'Treat yourself.',
    look: 'dark velvet backdrop, warm rim light, glossy reflections',
    motion: 'a slow cinematic dolly with gentle light sweeps',
  },
  {
    matches: /play|quirk|cute|friendly|colou?rful|kid/i,
    hook: 'Say hello to your new favourite thing: {p}!',
    body: ['{p} makes every day a little brighter.', 'It is the fun part of your routine.', 'Share it, show it off, love it.', 'Good things come in happy packages.'],
    tagline: 'Brighten every day',
    lead: 'Join the fun.',
    look: 'bright pastel set, cheerful props, even soft light',
    motion: 'a bouncy tilt and a playful spin of the product',
  },
];

// Any other style (modern, or one we have no words for): confident, modern copy.
const DEFAULT_TONE: Tone = {
  matches: /./,
  hook: 'Meet {p}.',
  body: ['{p} brings smart design to the way you live now.', 'Made for every day, and ready for anything.', 'Thoughtful details make all the difference.', 'Once you try {p}, you will wonder how you managed without it.'],
  tagline: 'Designed for every day',
  lead: 'See for yourself.',
  look: 'sleek studio set, soft key light, clean reflections',
  motion: 'smooth camera glides around the product',
};

// Said after the tone's own lines when a long ad needs more words, and again from the top when a
// very long one needs even more.
const MORE_BODY = [
  'It is easy to use from day one.',
  'It looks great wherever you take it.',
  'People notice the difference.',
  'It is made to last, with care in every part.',
  '{p} is ready when you are.',
  'Small change, big difference.',
  'It is the upgrade you have been waiting for.',
  'At home, at work or on the move, it simply fits.',
  'Thousands of small moments, made a little better.',
  'You will reach for it again and again.',
  'It is the kind of thing you recommend to friends.',
  'Now is the perfect time to try {p}.',
];

const toneFor = (style: string): Tone => TONES.find((tone) => tone.matches.test(style)) ?? DEFAULT_TONE;

const fitScreen = (text: string) => (text.length <= TEXT_LIMITS.onScreenLine ? text : `${text.slice(0, TEXT_LIMITS.onScreenLine - 1).trimEnd()}…`);

const sentence = (text: string) => (/[.!?…]$/.test(text) ? text : `${text}.`);

/**
 * Body sentences added, in order, while each brings the voice-over closer to `target` words; the
 * tagline alone when even one would overshoot (a very short ad).
 */
function bodyFor(tone: Tone, product: string, spokenElsewhere: number, target: number): string {
  const lines = [...tone.body, ...MORE_BODY].map((template) => template.replaceAll('{p}', product));
  const said: string[] = [];
  let words = spokenElsewhere;
  for (let index = 0; ; index += 1) {
    const line = index < lines.length ? lines[index]! : MORE_BODY[(index - lines.length) % MORE_BODY.length]!.replaceAll('{p}', product);
    const more = countWords(line);
    if (Math.abs(words + more - target) >= Math.abs(words - target)) break;
    said.push(line);
    words += more;
  }
  return said.length > 0 ? said.join(' ') : sentence(tone.tagline);
}

/** seconds rounded to 0.1 s. */
const tenths = (seconds: number) => Math.round(seconds * 10) / 10;

function adScript(brief: AdBrief): AdScript {
  const seconds = adSeconds(brief);
  const product = brief.productName.trim();
  const tone = toneFor(brief.style);
  const words = voiceoverWords(seconds);
  const cta = sentence(brief.ctaText.trim());
  let hook = tone.hook.replaceAll('{p}', product);
  let callToAction = `${tone.lead} ${cta}`;
  // A very short ad has no time for the tone's flourishes: the product, the tagline, the call.
  if (countWords(`${hook} ${tone.tagline} ${callToAction}`) > words.max) {
    hook = sentence(product);
    callToAction = cta;
  }
  const body = bodyFor(tone, product, countWords(hook) + countWords(callToAction), words.target);

  // Each line is on screen while its part is said, at an even pace over the whole ad.
  const parts = [
    { text: fitScreen(hook), words: countWords(hook) },
    { text: fitScreen(tone.tagline), words: countWords(body) },
    { text: fitScreen(brief.ctaText.trim()), words: countWords(callToAction) },
  ];
  const total = parts.reduce((sum, part) => sum + part.words, 0);
  let said = 0;
  const onScreenLines = parts.map((part, index) => {
    const startSeconds = tenths((said / total) * seconds);
    said += part.words;
    const endSeconds = index === parts.length - 1 ? seconds : tenths((said / total) * seconds);
    return { text: part.text, startSeconds, endSeconds };
  });

  const subject = brief.hasProductImage ? `Product ad bringing the photo of ${product} to life` : `Product ad for ${product}`;
  const visualPrompt = `${subject}, ${brief.style.trim() || 'modern'} style: ${tone.look}, ${tone.motion}. Crisp focus on the product, no text on screen.`;

  return {
    hook,
    body,
    callToAction,
    voiceover: [hook, body, callToAction].join(' '),
    onScreenLines,
    visualPrompt: visualPrompt.slice(0, TEXT_LIMITS.visualPrompt),
  };
}

function scenePlan(request: ScenePlanRequest): ScenePlan {
  const duration = sceneDuration(request);
  return {
    scenes: Array.from({ length: sceneCount(request) }, (_, index) => ({
      sequence: index + 1,
      prompt: fillSceneTemplate(request, index + 1),
      duration,
    })),
  };
}

const answer = <T>(value: T): WriterAnswer<T> => ({ value, model: LOCAL_TEXT_MODEL, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });

/**
 * The offline writer: real, readable copy from templates, no model and no network. An ad script's
 * hook, body and call to action follow the style (energetic, minimalist, luxury, playful, else
 * modern), the voice-over is about targetSeconds × 2.5 words, and each on-screen line shows while
 * its part is said. A scene plan fills the flavor's template once per scene (requests.ts names the
 * placeholders), each scene lasting `parameters.scene_duration` seconds (5 when absent).
 * Same request, same answer. Throws ProviderError TEXT_REQUEST_INVALID for out-of-range requests.
 */
export function createLocalTextWriter(): TextWriter {
  return {
    name: 'local',
    writeAdScript: async (brief) => answer(adScript(brief)),
    planScenes: async (request) => answer(scenePlan(request)),
  };
}
