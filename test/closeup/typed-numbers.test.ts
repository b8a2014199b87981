import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';

const DEVANAGARI_ZERO = 0x0966;
const FULL_WIDTH_ZERO = 0xff10;
const inScript = (digits: string, zero: number) => [...digits].map((digit) => String.fromCodePoint(zero + Number(digit))).join('');

/**
 * Issue 12, fault 1: what a phone's contact card, keyboard or autofill produces for a number or a
 * code is read as the plain digits it shows.
 */
describe('numbers and codes as phones produce them', { timeout: 300_000 }, () => {
  let stack: CloseupStack;
  before(async () => {
    stack = await startCloseupStack();
  });
  after(() => stack.stop());

  it('a number pasted from a contact card (direction embedding marks) is the same user as the plain number', async () => {
    const mobile = freshMobile();
    const pasted = `\u202A+91 ${mobile.slice(0, 5)} ${mobile.slice(5)}\u202C`;
    const first = await stack.submit({ mobile_number: pasted });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, 'otp_sent');
    assert.equal(first.body.mobile_number, mobile);

    const again = await stack.submit({ mobile_number: `\u200E${mobile}` });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.job_id, first.body.job_id, 'the marked and the plain spelling are one user with one job');

    const code = await stack.codeFor(mobile);
    const typed = `\u200E${inScript(code.slice(0, 3), DEVANAGARI_ZERO)} ${inScript(code.slice(3), FULL_WIDTH_ZERO)}`;
    const verified = await stack.verify(inScript(mobile, DEVANAGARI_ZERO), typed);
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
  });

  it('refuses what is not an Indian mobile number or a 6-digit code, whatever its script', async () => {
    for (const mobile of ['\u202A+1 415 555 2671\u202C', inScript('5876543210', DEVANAGARI_ZERO), '98765 43210 ext 2', 'call 9876543210']) {
      const refused = await stack.submit({ mobile_number: mobile });
      assert.equal(refused.status, 400, `${JSON.stringify(mobile)}: ${JSON.stringify(refused.body)}`);
      assert.match(String(refused.body.message), /^mobile_number: must be an Indian mobile number/);
    }
    const short = await stack.verify(freshMobile(), inScript('12345', DEVANAGARI_ZERO));
    assert.equal(short.status, 400);
    assert.match(String(short.body.message), /otp: must be the 6-digit code/);
  });
});
