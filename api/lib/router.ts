import { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from './errors.js';
import type { AppEnv } from './types.js';

/** A router whose request validation failures answer 400 in the API's error shape. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({ field: issue.path.join('.') || result.target, message: issue.message }));
      const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
      throw new ApiError(400, 'ValidationError', summary, issues);
    },
  });
}
