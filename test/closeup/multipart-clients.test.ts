import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freshMobile } from '../support/closeup-stack.js';
import { SUBMIT, startBadInputKit, validFields, type BadInputKit, type Fields } from '../support/bad-input-kit.js';

/**
 * Multipart bodies as real clients write them (issue 12, fault 4), and oversized bodies refused in a
 * way every client can read (fault 5). The bodies are built byte for byte as each client library
 * sends them, so the test does not depend on having .NET, Python or Go installed.
 */

const CHECK_PHOTO = '/api/v1/photo-validation/check_photo';
const MB = 1024 * 1024;

interface Client {
  /** The boundary as the Content-Type header carries it (quoted by .NET). */
  boundary: string;
  headerBoundary?: string;
  field: (name: string, value: string) => string;
  file: (name: string, filename: string) => string;
  /** What precedes the first boundary and follows the last (MIME preamble and epilogue). */
  preamble?: string;
  epilogue?: string;
}

const CLIENTS: Record<string, Client> = {
  curl: {
    boundary: `------------------------${randomBytes(8).toString('hex')}`,
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name, filename) => `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg`,
  },
  chromium: {
    boundary: '----WebKitFormBoundary7MA4YWxkTrZu0gW',
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name, filename) => `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg`,
  },
  // System.Net.Http.MultipartFormDataContent: a GUID boundary quoted in the header, Content-Type
  // first, unquoted names, and the file name twice (plain and RFC 5987).
  dotnet: {
    boundary: '7c4e3f5b-1a2d-4c6e-9f80-3b2a1d0e9c8b',
    headerBoundary: '"7c4e3f5b-1a2d-4c6e-9f80-3b2a1d0e9c8b"',
    field: (name) => `Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=${name}`,
    file: (name, filename) => `Content-Type: image/jpeg\r\nContent-Disposition: form-data; name=${name}; filename=${filename}; filename*=utf-8''${encodeURIComponent(filename)}`,
  },
  'python requests': {
    boundary: randomBytes(16).toString('hex'),
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name, filename) => `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg`,
  },
  // Go's mime/multipart: a 60-hex-digit boundary, CreateFormFile's octet-stream, the closing CRLF before the last boundary.
  'go mime/multipart': {
    boundary: randomBytes(30).toString('hex'),
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name, filename) => `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream`,
  },
  'filename* only (RFC 6266)': {
    boundary: 'rfc6266boundary',
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name) => `Content-Disposition: form-data; name="${name}"; filename*=utf-8''selfi%C3%A9%20%E0%A4%AB%E0%A5%8B%E0%A4%9F%E0%A5%8B.jpg\r\nContent-Type: image/jpeg`,
  },
  'backslash-escaped quotes in the file name': {
    boundary: 'escapedquotes',
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name) => `Content-Disposition: form-data; name="${name}"; filename="my \\"best\\" selfie.jpg"\r\nContent-Type: image/jpeg`,
  },
  'a preamble and an epilogue': {
    boundary: 'withpreamble',
    preamble: 'This is a multi-part message in MIME format.\r\n',
    epilogue: 'This is the epilogue; it is to be ignored.\r\n',
    field: (name) => `Content-Disposition: form-data; name="${name}"`,
    file: (name, filename) => `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg`,
  },
};

/** The form as `client` writes it: fields in order, then the photo part(s). */
function clientBody(client: Client, fields: Fields, photos: { name: string; bytes: Buffer }[]): { body: Buffer; contentType: string } {
  const parts: Buffer[] = [Buffer.from(client.preamble ?? '')];
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(Buffer.from(`--${client.boundary}\r\n${client.field(name, value)}\r\n\r\n${value}\r\n`));
  }
  for (const photo of photos) parts.push(Buffer.from(`--${client.boundary}\r\n${client.file(photo.name, 'selfie.jpg')}\r\n\r\n`), photo.bytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${client.boundary}--\r\n${client.epilogue ?? ''}`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${client.headerBoundary ?? client.boundary}` };
}

interface NodeHttpAnswer {
  status: number;
  connection: string | undefined;
  body: string;
  /** The client's own error while sending (EPIPE, ECONNRESET), if any. */
  sendError: string | undefined;
}

/** Posts `bytes` with node's http client in 64 KB writes (sized or chunked), reading the answer as it comes. */
function postByNodeHttp(url: string, contentType: string, bytes: Buffer, transport: 'sized' | 'chunked'): Promise<NodeHttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': contentType, ...(transport === 'sized' ? { 'content-length': String(bytes.length) } : {}) };
    const req = httpRequest(url, { method: 'POST', headers });
    let sendError: string | undefined;
    let answer: Omit<NodeHttpAnswer, 'sendError'> | undefined;
    req.on('error', (error: NodeJS.ErrnoException) => (sendError = error.code ?? error.message));
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => (answer = { status: response.statusCode ?? 0, connection: response.headers.connection, body: text }));
    });
    req.on('close', () => (answer ? resolve({ ...answer, sendError }) : reject(new Error(`no answer; sending failed with ${sendError}`))));
    let sent = 0;
    const send = () => {
      while (sent < bytes.length) {
        const chunk = bytes.subarray(sent, sent + 64 * 1024);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', send);
      }
      req.end();
    };
    send();
  });
}

/** `head` followed by zeros up to `total` bytes, as a stream of 64 KB chunks (sent chunked, without Content-Length). */
function repeated(head: Buffer, total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = sent < head.length ? head.subarray(sent, sent + 64 * 1024) : Buffer.alloc(Math.min(64 * 1024, total - sent));
      sent += chunk.length;
      controller.enqueue(new Uint8Array(chunk));
    },
  });
}

describe('multipart from other clients, and refusals every client can read', { timeout: 300_000 }, () => {
  let kit: BadInputKit;
  let { selfie, request, refused } = {} as BadInputKit;
  let base: string;
  before(async () => {
    kit = await startBadInputKit();
    ({ selfie, request, refused } = kit);
    base = (await request('/healthz')).url.replace(/\/healthz$/, '');
  });
  after(() => kit?.stop());

  const post = (path: string, { body, contentType }: { body: Buffer; contentType: string }) =>
    request(path, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('takes the form as curl, Chromium, .NET, Python requests and Go send it, and RFC 6266 / escaped / framed variants', async () => {
    for (const [name, client] of Object.entries(CLIENTS)) {
      const mobile = freshMobile();
      const response = await post(SUBMIT, clientBody(client, validFields(mobile), [{ name: 'photo', bytes: selfie }]));
      const text = await response.text();
      assert.equal(response.status, 200, `${name}: ${text}`);
      const answer = JSON.parse(text) as { status: string; mobile_number: string };
      assert.equal(answer.status, 'otp_sent', name);
      assert.equal(answer.mobile_number, mobile, name);

      const check = await post(CHECK_PHOTO, clientBody(client, {}, [{ name: 'photo', bytes: selfie }]));
      assert.equal(check.status, 200, `${name} check_photo: ${await check.text()}`);
    }
  });

  it('names a field sent twice instead of calling it missing', async () => {
    const mobile = freshMobile();
    const twoPhotos = clientBody(CLIENTS.curl!, validFields(mobile), [{ name: 'photo', bytes: selfie }, { name: 'photo', bytes: selfie }]);
    const photo = await refused(await post(SUBMIT, twoPhotos), 400, /^photo was sent twice/);
    assert.equal(photo.error, 'ValidationError');
    const form = clientBody(CLIENTS.chromium!, validFields(mobile), [{ name: 'photo', bytes: selfie }]);
    // The first part (mobile_number, up to the next boundary line) repeated at the start of the body.
    const firstPart = form.body.subarray(0, form.body.indexOf(`\r\n--${CLIENTS.chromium!.boundary}`) + 2);
    const twoNumbers = { body: Buffer.concat([firstPart, form.body]), contentType: form.contentType };
    await refused(await post(SUBMIT, twoNumbers), 400, /^mobile_number was sent twice/);
    assert.equal(await kit.usersWithNumber(`+91${mobile}`), 0);
  });

  it('answers a truncated or garbled body with 400 MALFORMED_MULTIPART in the error shape', async () => {
    const mobile = freshMobile();
    const whole = clientBody(CLIENTS.curl!, validFields(mobile), [{ name: 'photo', bytes: selfie }]);
    const headerEnd = whole.body.indexOf('\r\n\r\n', whole.body.indexOf('filename=')) + 4;
    const garbled = [
      whole.body.subarray(0, whole.body.length - 200), // cut inside the photo
      whole.body.subarray(0, whole.body.indexOf('filename=') + 5), // cut inside a part's headers
      Buffer.concat([whole.body.subarray(0, headerEnd - 4), Buffer.from('\r\nX-Broken')]), // headers never end
      Buffer.from(whole.body.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'), // LF line endings: no boundary line is found
      randomBytes(4096),
    ];
    for (const [index, body] of garbled.entries()) {
      const answer = await refused(await post(SUBMIT, { body, contentType: whole.contentType }), 400, /^Malformed FormData/);
      assert.equal(answer.details?.code, 'MALFORMED_MULTIPART', `case ${index}`);
    }
    assert.equal(await kit.usersWithNumber(`+91${mobile}`), 0);
  });

  describe('an 11 MB photo is refused with a 413 the client reads', () => {
    let eleven: { body: Buffer; contentType: string };
    before(() => {
      const photo = Buffer.concat([selfie, Buffer.alloc(11 * MB - selfie.length)]);
      eleven = clientBody(CLIENTS.curl!, validFields(freshMobile()), [{ name: 'photo', bytes: photo }]);
    });
    const assertTooLarge = (status: number, connection: string | null | undefined, text: string) => {
      assert.equal(status, 413, text);
      assert.equal(connection, 'close');
      const body = JSON.parse(text) as { error: string; statusCode: number };
      assert.equal(body.error, 'PayloadTooLarge');
      assert.equal(body.statusCode, 413);
    };

    it("by Node's fetch (undici), sized, and streamed on well past the limit", async () => {
      const response = await post(SUBMIT, eleven);
      assertTooLarge(response.status, response.headers.get('connection'), await response.text());
      assert.equal((await request('/healthz')).status, 200);
      // Streamed (chunked), the refusal comes mid-body while fetch still sends: 64 MB outlast loopback's socket buffers.
      const streamed = await request(SUBMIT, { method: 'POST', headers: { 'content-type': eleven.contentType }, body: repeated(eleven.body, 64 * MB), duplex: 'half' } as RequestInit);
      assertTooLarge(streamed.status, streamed.headers.get('connection'), await streamed.text());
    });

    for (const transport of ['sized', 'chunked'] as const) {
      it(`by node:http, ${transport}`, async () => {
        // Chunked, it sends on to 64 MB (an epilogue past the form), well past what loopback's socket buffers hide.
        const bytes = transport === 'sized' ? eleven.body : Buffer.concat([eleven.body, Buffer.alloc(64 * MB - eleven.body.length)]);
        const answer = await postByNodeHttp(`${base}${SUBMIT}`, eleven.contentType, bytes, transport);
        assertTooLarge(answer.status, answer.connection, answer.body);
        assert.equal(answer.sendError, undefined, 'the server read on until the client stopped: no EPIPE or ECONNRESET');
      });
    }
  });

  it('refuses oversized JSON, webhook and text bodies with a 413 that fetch and node:http read', async () => {
    const huge = Buffer.from(JSON.stringify({ mobile_number: '9876543210', otp: '1'.repeat(12 * MB) }));
    for (const [path, contentType] of [
      ['/api/v1/auth/verify-otp', 'application/json'],
      ['/api/v1/whatsapp/webhook', 'application/json'],
      ['/api/v1/upload/transcript', 'text/plain; charset=utf-8'],
    ] as const) {
      const response = await post(path, { body: huge, contentType });
      const body = await refused(response, 413, /^Request body exceeds \d+ KB$/);
      assert.equal(body.error, 'PayloadTooLarge', path);
      assert.equal(response.headers.get('connection'), 'close', path);
      const byNode = await postByNodeHttp(`${base}${path}`, contentType, huge, 'chunked');
      assert.equal(byNode.status, 413, `${path}: ${byNode.body}`);
      assert.equal(byNode.sendError, undefined, `${path}: no EPIPE or ECONNRESET`);
    }
  });
});
