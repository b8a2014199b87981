/**
 * The routes the fuzzer aims at, read from the running API's /openapi.json at run time, so a route
 * added later is fuzzed without editing the fuzzer.
 */

export type Auth = 'admin' | 'user' | 'none';

export interface Operation {
  method: string;
  /** The OpenAPI template, e.g. `/api/v1/admin/jobs/{job}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  /** Request body media types, e.g. `application/json`, `multipart/form-data`. */
  bodyTypes: string[];
  /** Multipart field names (from the body schema), when the body is multipart. */
  formFields: string[];
  /** JSON body property names (from the body schema), when the body is JSON. */
  jsonFields: string[];
  /** Which credential gets past the route's auth. */
  auth: Auth;
}

interface SpecParameter {
  in: string;
  name: string;
}

interface SpecSchema {
  $ref?: string;
  properties?: Record<string, unknown>;
}

interface SpecOperation {
  parameters?: SpecParameter[];
  requestBody?: { content?: Record<string, { schema?: SpecSchema }> };
  security?: Record<string, unknown>[];
}

interface Spec {
  paths: Record<string, Record<string, SpecOperation>>;
  components?: { schemas?: Record<string, SpecSchema> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function propertiesOf(spec: Spec, schema: SpecSchema | undefined): string[] {
  const resolved = schema?.$ref ? spec.components?.schemas?.[schema.$ref.split('/').pop() ?? ''] : schema;
  return Object.keys(resolved?.properties ?? {});
}

function authOf(security: SpecOperation['security']): Auth {
  const schemes = (security ?? []).flatMap((entry) => Object.keys(entry));
  if (schemes.includes('AdminToken')) return 'admin';
  return schemes.some((scheme) => scheme.startsWith('Supabase')) ? 'user' : 'none';
}

/** Every operation of an OpenAPI 3.1 document, in document order. */
export function operationsOf(spec: Spec): Operation[] {
  const operations: Operation[] = [];
  for (const [path, entries] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(entries)) {
      if (!METHODS.has(method)) continue;
      const parameters = operation.parameters ?? [];
      const named = (where: string) => parameters.filter((parameter) => parameter.in === where).map((parameter) => parameter.name);
      const content = operation.requestBody?.content ?? {};
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!),
        queryParams: named('query'),
        headerParams: named('header'),
        bodyTypes: Object.keys(content),
        formFields: propertiesOf(spec, content['multipart/form-data']?.schema),
        jsonFields: propertiesOf(spec, content['application/json']?.schema),
        auth: authOf(operation.security),
      });
    }
  }
  return operations;
}

/** The API's operations, fetched from `${apiUrl}/openapi.json`; throws when the spec cannot be read or lists none. */
export async function fetchOperations(apiUrl: string): Promise<Operation[]> {
  const response = await fetch(`${apiUrl}/openapi.json`);
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
  const operations = operationsOf((await response.json()) as Spec);
  if (operations.length === 0) throw new Error('/openapi.json lists no operations');
  return operations;
}
