import { buildWorkflowBundle } from './workflow-bundle.js';

const path = await buildWorkflowBundle(process.argv[2] ?? 'dist/workflow-bundle.js');
console.log(`workflow bundle written to ${path}`);
