import assert from 'node:assert/strict';
import { ProviderError } from '../../providers/provider-error.js';

/** An `assert.rejects` validator: a ProviderError with this code and retry verdict, then `check`. */
export function isProviderError(code: string, retryable: boolean, check?: (error: ProviderError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.retryable, retryable);
    check?.(error);
    return true;
  };
}
