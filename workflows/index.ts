export { selfTestWorkflow } from './self-test.js';
export { closeupSubmissionWorkflow } from './closeup/submission.js';
export { closeupDeliveryWorkflow } from './closeup/delivery.js';
export { generationWorkflow } from './generation/generation.js';
export { productAdWorkflow } from './product-ad/product-ad.js';
export { mvWorkflow } from './mv/mv.js';
export { dubbingWorkflow } from './dubbing/dubbing.js';
export { feedVideoWorkflow } from './feed/feed-video.js';
