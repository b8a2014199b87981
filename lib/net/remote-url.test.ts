import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRemoteUrl, isAllowedHost, refusedAddressRange } from './remote-url.js';

const rules = { allowHosts: [], label: 'image_url' };

async function reasonFor(url: string, allowHosts: string[] = []): Promise<string> {
  const check = await checkRemoteUrl(url, { ...rules, allowHosts });
  assert.equal(check.ok, false, `${url} should be refused`);
  return check.ok ? '' : check.reason;
}

describe('remote URL rules', () => {
  it('refuses loopback, private, link-local, CGNAT and other non-public literal addresses', async () => {
    const refused: [string, RegExp][] = [
      ['http://127.0.0.1/', /^image_url's host is a loopback address \(127\.0\.0\.1\)$/],
      ['http://10.0.0.5/', /^image_url's host is a private address \(10\.0\.0\.5\)$/],
      ['https://172.16.3.4:8443/x', /private address \(172\.16\.3\.4\)/],
      ['http://192.168.1.1/', /private address/],
      ['http://169.254.169.254/latest/meta-data/', /link-local address \(169\.254\.169\.254\)/],
      ['http://100.64.0.1/', /carrier-grade NAT address/],
      ['http://100.100.100.200/', /carrier-grade NAT address/],
      ['http://0.0.0.0/', /an unspecified address/],
      ['http://224.0.0.1/', /multicast address/],
      ['http://255.255.255.255/', /broadcast address/],
      ['http://240.0.0.1/', /reserved address/],
      ['http://192.0.0.192/', /reserved address/],
      ['http://[::1]/', /loopback address \(::1\)/],
      ['http://[::]/', /unspecified address/],
      ['http://[fe80::1]/', /link-local address/],
      ['http://[fc00::1]/', /private address/],
      ['http://[fd00:ec2::254]/', /private address/],
      ['http://[ff02::1]/', /multicast address/],
    ];
    for (const [url, reason] of refused) assert.match(await reasonFor(url), reason, url);
  });

  it('sees through the odd spellings WHATWG URL normalises', async () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]:8080/', 'http://[0:0:0:0:0:ffff:127.0.0.1]/']) {
      assert.match(await reasonFor(url), /loopback address/, url);
    }
    assert.match(await reasonFor('http://0xa9.0xfe.0xa9.0xfe/'), /link-local address \(169\.254\.169\.254\)/);
    // NAT64 (64:ff9b::/96) is judged by the IPv4 address it carries.
    assert.match(await reasonFor('http://[64:ff9b::a00:5]/'), /private address/);
  });

  it('refuses names that resolve to loopback, and cloud metadata names, before any DNS', async () => {
    assert.match(await reasonFor('http://localhost:8080/photo.jpg'), /^image_url resolves to a loopback address \((127\.0\.0\.1|::1)\)$/);
    for (const host of ['metadata.google.internal', 'METADATA.google.internal.', 'metadata.goog', 'metadata', 'instance-data']) {
      assert.match(await reasonFor(`http://${host}/computeMetadata/v1/`), /points at a cloud metadata service/, host);
    }
  });

  it('refuses other schemes, credentials and garbage', async () => {
    assert.equal(await reasonFor('ftp://example.com/a.jpg'), 'image_url must be an http or https URL');
    assert.equal(await reasonFor('file:///etc/passwd'), 'image_url must be an http or https URL');
    assert.equal(await reasonFor('https://user:secret@example.com/'), 'image_url must not contain a user name or password');
    assert.equal(await reasonFor('https://user@example.com/'), 'image_url must not contain a user name or password');
    assert.equal(await reasonFor('not a url'), 'image_url is not a valid URL');
  });

  it('says when a host does not resolve, apart from refusals', async () => {
    const check = await checkRemoteUrl('https://nothing-here.invalid/a.jpg', rules);
    assert.deepEqual(check, { ok: false, reason: "image_url's host does not resolve", unresolved: true });
    const refused = await checkRemoteUrl('http://10.1.2.3/', rules);
    assert.equal(refused.ok === false && refused.unresolved, false);
  });

  it('accepts public addresses on any port and hands back the checked addresses', async () => {
    for (const url of ['http://8.8.8.8/', 'https://1.1.1.1:8443/a.png', 'http://[2606:4700:4700::1111]/', 'http://[64:ff9b::808:808]/']) {
      const check = await checkRemoteUrl(url, rules);
      assert.ok(check.ok, url);
      assert.equal(check.addresses?.length, 1);
    }
  });

  it('lets allow-listed hosts through, by host (any port) or host:port', async () => {
    const exact = await checkRemoteUrl('http://127.0.0.1:8080/hook', { allowHosts: ['127.0.0.1:8080'] });
    assert.deepEqual(exact.ok && exact.addresses, undefined);
    assert.match(await reasonFor('http://127.0.0.1:8081/hook', ['127.0.0.1:8080']), /loopback/);
    assert.ok((await checkRemoteUrl('http://localhost:9999/', { allowHosts: ['localhost'] })).ok);
    assert.ok((await checkRemoteUrl('http://[::1]:9999/', { allowHosts: ['[::1]:9999'] })).ok);
    // Default ports count as given, and the host is the normalised one.
    assert.ok(isAllowedHost(new URL('http://2130706433/'), ['127.0.0.1:80']));
    assert.ok(isAllowedHost(new URL('https://minio.internal/'), ['minio.internal:443']));
    assert.equal(isAllowedHost(new URL('http://minio.internal/'), ['minio.internal:443']), false);
    // Credentials are refused even on an allow-listed host.
    assert.match(await reasonFor('http://u:p@127.0.0.1:8080/', ['127.0.0.1:8080']), /user name or password/);
  });

  it('names the range of an address, or nothing for public unicast', () => {
    assert.equal(refusedAddressRange('10.0.0.1'), 'private');
    assert.equal(refusedAddressRange('::ffff:10.0.0.1'), 'private');
    assert.equal(refusedAddressRange('198.18.0.1'), 'reserved');
    assert.equal(refusedAddressRange('2001:db8::1'), 'reserved');
    assert.equal(refusedAddressRange('93.184.216.34'), undefined);
    assert.equal(refusedAddressRange('2a00:1450:4001::200e'), undefined);
  });
});
