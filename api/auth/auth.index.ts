import { createRouter } from '../lib/router.js';
import * as handlers from './auth.handlers.js';
import * as routes from './auth.routes.js';

export const authRouter = createRouter().openapi(routes.verifyOtp, handlers.verifyOtp).openapi(routes.resendOtp, handlers.resendOtp);
