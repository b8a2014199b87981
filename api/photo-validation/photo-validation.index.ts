import { createRouter } from '../lib/router.js';
import * as handlers from './photo-validation.handlers.js';
import * as routes from './photo-validation.routes.js';

export const photoValidationRouter = createRouter().openapi(routes.checkPhoto, handlers.checkPhoto);
