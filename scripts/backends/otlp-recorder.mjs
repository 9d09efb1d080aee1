#!/usr/bin/env node
// Stand-in for Tempo and Loki (and the alert receivers) in the local stack, where those
// programs cannot run: an HTTP server on 127.0.0.1 that accepts every POST and appends what
// it received as one JSON line per request to <out>/<name>.jsonl:
//
//   .../v1/traces -> traces.jsonl    .../v1/logs -> logs.jsonl    .../v1/metrics -> metrics.jsonl
//   /alerts       -> alerts.jsonl    /chat       -> chat.jsonl    anything else -> other.jsonl
//
// OTLP protobuf bodies are decoded to the OTLP/JSON shape with the schema the tests use
// (test/helpers/otlp-proto.ts, loaded through Node's TypeScript type stripping); if that is
// not possible the raw body is kept as base64. GET /healthz answers 200 (readiness).
//
//   node scripts/backends/otlp-recorder.mjs --port 4319 --out /tmp/recorded
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, inflateSync } from 'node:zlib';
import { REPO_ROOT } from './paths.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    out: { type: 'string' },
  },
});
if (!values.out) {
  process.stderr.write('usage: otlp-recorder.mjs --out <dir> [--port N] [--host 127.0.0.1]\n');
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`otlp-recorder: --port must be 0..65535, got ${values.port}\n`);
  process.exit(2);
}
mkdirSync(values.out, { recursive: true });

let decode;
try {
  ({ decodeProtobufRequest: decode } = await import(
    join(REPO_ROOT, 'test', 'helpers', 'otlp-proto.ts')
  ));
} catch (error) {
  process.stderr.write(`otlp-recorder: protobuf bodies stay base64 (${error.message})\n`);
}

function fileFor(path) {
  const signal = /\/v1\/(traces|logs|metrics)$/.exec(path)?.[1];
  if (signal) return { name: signal, signal };
  if (path === '/alerts' || path === '/chat') return { name: path.slice(1) };
  return { name: 'other' };
}

function payload(body, contentType, signal) {
  if (contentType.includes('json')) {
    try {
      return { json: JSON.parse(body.toString('utf8')) };
    } catch {
      // fall through: keep the bytes
    }
  }
  if (signal && decode && contentType.includes('protobuf')) {
    try {
      return { json: decode(signal, body) };
    } catch (error) {
      return { decodeError: error.message, base64: body.toString('base64') };
    }
  }
  return { base64: body.toString('base64') };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = new URL(req.url ?? '/', 'http://recorder').pathname;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200).end('ok\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    let body = Buffer.concat(chunks);
    const encoding = req.headers['content-encoding'];
    try {
      if (encoding === 'gzip') body = gunzipSync(body);
      else if (encoding === 'deflate') body = inflateSync(body);
    } catch (error) {
      res.writeHead(400).end(`bad ${encoding} body: ${error.message}\n`);
      return;
    }
    const contentType = String(req.headers['content-type'] ?? '');
    const { name, signal } = fileFor(path);
    const line = {
      receivedAt: new Date().toISOString(),
      path,
      contentType,
      bytes: body.length,
      ...payload(body, contentType, signal),
    };
    appendFileSync(join(values.out, `${name}.jsonl`), `${JSON.stringify(line)}\n`);
    // An empty protobuf message is a complete OTLP success response; JSON clients get {}.
    if (contentType.includes('protobuf')) {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
  });
});

server.listen(port, values.host, () => {
  const address = server.address();
  process.stdout.write(`otlp-recorder listening on http://${values.host}:${address.port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
