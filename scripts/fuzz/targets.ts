import fc from 'fast-check';
import { hostileString } from './hostile-values.js';
import type { Operation } from './spec.js';

/**
 * Request targets (path and query) and credentials for an operation: plausible values that reach
 * the handler, or hostile ones (traversal, Unicode, overlong UTF-8) encoded, half-encoded or raw.
 */

export interface Credentials {
  adminToken: string;
  userToken: string;
  userId: string;
}

type Encoding = 'encoded' | 'raw' | 'double';

function encode(value: string, how: Encoding): string {
  if (how === 'raw') return value;
  const once = encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  return how === 'double' ? encodeURIComponent(once) : once;
}

/** A path parameter's value: a plausible id, the signed-in user's id, or a hostile string. */
function pathValue(credentials: Credentials): fc.Arbitrary<string> {
  const hostile = fc
    .tuple(hostileString, fc.constantFrom<Encoding>('encoded', 'encoded', 'raw', 'double'))
    .map(([value, how]) => encode(value, how));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom('1', '2', '999999', credentials.userId, '6f1c2a9e-8a53-4c1e-9a8e-2b7f0f4f7d11', 'jobs/1/video.mp4') },
    { weight: 3, arbitrary: hostile },
  );
}

/** The request target of `operation` with its path parameters filled in and, sometimes, a query. */
export function requestTarget(operation: Operation, credentials: Credentials, hostilePath: boolean): fc.Arbitrary<string> {
  const value = hostilePath ? pathValue(credentials) : fc.constantFrom('1', credentials.userId);
  const params = operation.pathParams.length ? fc.tuple(...operation.pathParams.map(() => value)) : fc.constant([] as string[]);
  const names = operation.queryParams.length ? operation.queryParams : ['q'];
  const query = fc.option(
    fc.oneof(
      fc.array(fc.tuple(fc.constantFrom(...names), pathValue(credentials)), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
      fc.constantFrom('%zz', 'a=1&a=2&a=3', '=', '&&&', 'limit=-1', 'limit=1e309', 'limit=99999999999999999999', 'cursor=%00', `${names[0]}[]=1&${names[0]}[x]=2`, 'x'.repeat(9000)),
    ),
    { freq: 2 },
  );
  return fc.tuple(params, query).map(([values, q]) => {
    let at = 0;
    const path = operation.path.replace(/\{[^}]+\}/g, () => values[at++] ?? '1');
    return q === null ? path : `${path}?${q}`;
  });
}

const ODD_AUTHORIZATION = [
  'Bearer', 'Bearer ', 'bearer', 'Basic YWRtaW46YWRtaW4=', 'Bearer null', 'Bearer undefined', 'Bearer a.b.c', 'Bearer ...',
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI2ZjFjMmE5ZS04YTUzLTRjMWUtOWE4ZS0yYjdmMGY0ZjdkMTEifQ.',
  `Bearer ${'A'.repeat(20_000)}`, 'Bearer \u00ff\u00fe', 'Bearer 🎬', 'Digest username="x"', 'Bearer dev-admin-toke', '   ',
] as const;

/** Authorization header values: the one that passes (mostly), the other product's, none, or an odd one. */
export function authorization(operation: Operation, credentials: Credentials): fc.Arbitrary<string | undefined> {
  const valid = operation.auth === 'admin' ? `Bearer ${credentials.adminToken}` : `Bearer ${credentials.userToken}`;
  const other = operation.auth === 'admin' ? `Bearer ${credentials.userToken}` : `Bearer ${credentials.adminToken}`;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: fc.constant(other) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...ODD_AUTHORIZATION), fc.constantFrom('x', 'Zm9v', `${credentials.userToken}x`, credentials.userToken, `bearer ${credentials.adminToken}`)) },
  );
}
