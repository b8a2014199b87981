import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { passed, runFuzz } from './run.js';
import { startFuzzTarget } from './stack.js';

/**
 * `npm run fuzz [-- --seed N --runs M --path P --keep-going]`: hostile requests over every route of
 * the API's /openapi.json against a stack of the fuzzer's own (scripts/fuzz/stack.ts). Prints a
 * table of figures; exits 1 with the minimal failing request when anything answered 5xx, refused
 * outside the error shape or left rows, objects or workflows behind.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '2000' },
    path: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
  },
});
const seed = values.seed === undefined ? randomInt(0, 2 ** 31) : Number(values.seed);
const runs = Number(values.runs);
if (!Number.isSafeInteger(seed)) throw new Error('--seed must be a whole number');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');
const command = `npm run fuzz -- --seed ${seed} --runs ${runs}${values.path ? ` --path ${values.path}` : ''}`;
console.log(`fuzz: seed ${seed}, ${runs} requests (${command})`);

const { target, stop } = await startFuzzTarget();
process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
let ok = false;
try {
  console.log(`fuzz: API on ${target.apiUrl}, bucket ${target.bucket}`);
  const figures = await runFuzz(target, {
    seed,
    runs,
    ...(values.path ? { path: values.path } : {}),
    keepGoing: values['keep-going'],
    progress: (done) => process.stdout.write(`fuzz: ${done} requests\n`),
  });
  for (const finding of figures.findings) console.log(`\nFINDING ${finding.problems.join('; ')}\n${finding.request}`);
  if (figures.minimal) {
    console.log(`\nMINIMAL FAILING REQUEST (after shrinking) — ${figures.minimal.problems.join('; ')}\n${figures.minimal.request}`);
    console.log(`replay it: npm run fuzz -- --seed ${seed} --runs ${runs} --path ${figures.minimal.path}`);
  }
  console.log(`\n${formatReport(figures, command)}`);
  ok = passed(figures);
  console.log(ok ? 'fuzz: passed' : 'fuzz: FAILED');
} finally {
  await stop();
}
process.exit(ok ? 0 : 1);
