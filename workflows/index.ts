export { selfTestWorkflow } from './self-test.js';
