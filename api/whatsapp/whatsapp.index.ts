import { createRouter } from '../lib/router.js';
import * as handlers from './whatsapp.handlers.js';
import * as routes from './whatsapp.routes.js';

export const whatsappRouter = createRouter().openapi(routes.verifyWebhook, handlers.verify).openapi(routes.receiveStatuses, handlers.receive);
