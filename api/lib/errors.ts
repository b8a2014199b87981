import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error shape every failure of the API takes. */
export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'ValidationError' }),
    message: z.string().openapi({ example: 'mobile_number: must be a 10-digit Indian mobile number' }),
    statusCode: z.number().int().openapi({ example: 400 }),
    details: z.unknown().optional(),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorSchema>;

/** An error the API answers with as-is: a type name, a status and a message meant for the caller. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: ContentfulStatusCode,
    readonly type: string,
    message: string,
    readonly details?: unknown,
    /** Top-level fields a documented contract names (e.g. `attempts_left`), besides the shape's own. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return {
      ...this.extra,
      error: this.type,
      message: this.message,
      statusCode: this.statusCode,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Default type names for statuses raised without one (by Hono itself, say). */
export const STATUS_TYPES: Partial<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** Standard OpenAPI response entries for the error shape. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: STATUS_TYPES[status] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );
}
