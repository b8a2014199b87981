/**
 * `npm run bench:burst`: a campaign burst of Close-Up submissions through the public API, on the
 * Temporal dev server and on the PostgreSQL-backed cluster, side by side; each followed from submit
 * through its OTP to `sent`, against provider fakes that answer 429 beyond their rate. One table:
 * accepted submissions/s with submit latency, end-to-end completion, 429s per fake (goal 0) and
 * jobs lost (goal 0), each row with the command that reproduces it. Exits 1 when a goal is missed.
 *
 *   npm run bench:burst -- [--count 2000 | --quick] [--only dev|cluster] [--concurrency 32]
 *                          [--groq-rps 30] [--sms-rps 50] [--whatsapp-rps 80] [--predictions-rps 20]
 *                          [--queue-share 0.9] [--stall-minutes 5] [--keep-scratch]
 *
 * --queue-share: the share of each fake's rate its provider queue is limited to.
 *
 * Every server is the run's own (free loopback ports, one scratch folder per stack); Ctrl-C stops
 * them all. Needs what `npm run chaos` needs: PostgreSQL's server binaries, the Temporal CLI,
 * MinIO and ffmpeg (the bootstrap of `npm test` builds them).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { installQuietRuntime } from '../../test/support/harness.js';
import { texturedJpeg } from '../../test/support/images.js';
import { createHttp } from '../chaos/http.js';
import type { ProviderRates } from '../chaos/providers.js';
import { PROVIDERS, passes, printBurstTable, stackFigures, type Column } from './figures.js';
import { followJobs } from './follow.js';
import { runBurst } from './load.js';
import { STACKS, STACK_NAMES, type StackName } from './stacks.js';
import { startBurstWorld } from './world.js';

const usage = 'npm run bench:burst -- [--count N | --quick] [--only dev|cluster] [--concurrency N] [--groq-rps N] [--sms-rps N] [--whatsapp-rps N] [--predictions-rps N] [--queue-share F] [--stall-minutes N] [--keep-scratch]';
const say = (line: string) => process.stdout.write(`burst: ${line}\n`);

function parseFlags() {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      concurrency: { type: 'string', default: '32' },
      'groq-rps': { type: 'string', default: '30' },
      'sms-rps': { type: 'string', default: '50' },
      'whatsapp-rps': { type: 'string', default: '80' },
      'predictions-rps': { type: 'string', default: '20' },
      'queue-share': { type: 'string', default: '0.9' },
      'stall-minutes': { type: 'string', default: '5' },
      'keep-scratch': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name: keyof typeof values, fallback?: string) => {
    const value = Number(values[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const only = values.only;
  if (only !== undefined && !(STACK_NAMES as readonly string[]).includes(only)) throw new Error(`--only must be one of ${STACK_NAMES.join(', ')}`);
  const rates: ProviderRates = { groq: positive('groq-rps'), sms: positive('sms-rps'), whatsapp: positive('whatsapp-rps'), predictions: positive('predictions-rps') };
  return {
    help: values.help,
    count: Math.round(positive('count', values.quick ? '200' : '2000')),
    stacks: only ? [only as StackName] : [...STACK_NAMES],
    concurrency: Math.round(positive('concurrency')),
    rates,
    queueShare: positive('queue-share'),
    stallMs: positive('stall-minutes') * 60_000,
    keepScratch: values['keep-scratch'],
  };
}

let flags: ReturnType<typeof parseFlags>;
try {
  flags = parseFlags();
} catch (error) {
  process.stderr.write(`bench:burst: ${(error as Error).message}\nusage: ${usage}\n`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`usage: ${usage}\n`);
  process.exit(0);
}

/** The flags that shaped the figures, as typed on the command line (defaults left out). */
const reproduce = (stacks: readonly StackName[]) => {
  const args = process.argv.slice(2).filter((arg, index, all) => arg !== '--only' && all[index - 1] !== '--only' && !arg.startsWith('--only=') && arg !== '--keep-scratch');
  return ['npm run bench:burst --', ...args, ...(stacks.length === 1 ? ['--only', stacks[0]!] : [])].join(' ').replace(/ --$/, '');
};

// Ctrl-C (or a kill) stops every server of the stack being measured before the process ends. The
// signal comes twice from a terminal (to the process group, and relayed by tsx): the second must
// not end the process halfway through the teardown.
let current: { teardown(keepScratch?: boolean): Promise<void> } | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping every process of the run`);
    void (current?.teardown() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function measure(name: StackName): Promise<Column> {
  const stack = STACKS[name];
  const started = Date.now();
  try {
    const world = await startBurstWorld(stack, { rates: flags.rates, queueShare: flags.queueShare, keepScratch: flags.keepScratch, say, holdTeardown: (teardown) => (current = { teardown }) });
    const photo = await texturedJpeg(480, 640);
    say(`${name}: ${flags.count} submissions, ${flags.concurrency} in flight; fakes at groq ${flags.rates.groq}/s, sms ${flags.rates.sms}/s, whatsapp ${flags.rates.whatsapp}/s, predictions ${flags.rates.predictions}/s`);
    const load = await runBurst({ http: createHttp(world.apiUrl), smsReceived: world.providers.sms.received, photo, count: flags.count, concurrency: flags.concurrency, otpPatienceMs: 15 * 60_000 });
    say(`${name}: ${load.accepted.length} accepted in ${(load.submitWindowMs / 1000).toFixed(1)} s, ${load.verified} verified; following the jobs to sent`);
    const outcomes = await followJobs({ databaseUrl: world.databaseUrl, accepted: load.accepted, whatsapp: world.providers.whatsapp, stallMs: flags.stallMs, progress: (line) => say(`${name}: ${line}`) });
    const fakes = world.providers;
    const tooMany = { groq: fakes.groq?.tooManyRequests ?? 0, sms: fakes.sms.tooManyRequests, whatsapp: fakes.whatsapp.tooManyRequests, predictions: fakes.predictions.tooManyRequests };
    const figures = stackFigures(flags.count, load, outcomes, tooMany);
    for (const line of [...load.refusals, ...load.verifyProblems.slice(0, 5), ...outcomes.notSent.slice(0, 10), ...world.workerCrashes().map((crash) => `a worker died on its own: ${crash.slice(-300)}`)]) say(`${name}: ${line}`);
    say(`${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s; 429s ${PROVIDERS.map((provider) => `${provider} ${tooMany[provider]}`).join(', ')}`);
    await world.teardown();
    return { figures };
  } catch (error) {
    // Interrupted: the servers going away broke the run; the signal handler ends the process.
    if (interrupted) await new Promise(() => undefined);
    const message = (error as Error).message.split('\n')[0]!;
    say(`${name}: failed: ${message}`);
    await current?.teardown(true);
    return { failed: message };
  } finally {
    current = undefined;
  }
}

// Before any Temporal connection in this process: the SDK's own logs at WARN.
installQuietRuntime();
// Each server of a stack (scripts/chaos pieces) leaves an exit handler that kills it should the
// run die; two stacks' worth pass Node's default warning threshold of 10.
process.setMaxListeners(40);
const load = () => loadavg().map((value) => value.toFixed(2)).join(', ');
say(`stacks ${flags.stacks.join(', ')}; load average ${load()}`);
const columns: Partial<Record<StackName, Column>> = {};
for (const name of flags.stacks) columns[name] = await measure(name);
printBurstTable(columns, reproduce);
console.log(`\nload average at the end ${load()} (1, 5, 15 min; this machine has 2 cores shared with other work)`);
const results = Object.values(columns);
process.exit(results.some((column) => 'failed' in column || ('figures' in column && !passes(column.figures))) ? 1 : 0);
