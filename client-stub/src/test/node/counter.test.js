'use strict';
// Polyglot contract test: drives a running counter server from Node.js through @grpc/grpc-js,
// loading the repo's own proto with @grpc/proto-loader (int64 as strings, enums as names).
//
// It starts nothing: point it at a server with COUNTER_TARGET=host:port, e.g.
//   COUNTER_TARGET=127.0.0.1:9090 npm test
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const crypto = require('node:crypto');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
// protobufjs is @grpc/proto-loader's own dependency; resolve it through proto-loader so this file
// does not rely on npm's hoisting.
const protobuf = require(require.resolve('protobufjs', {
  paths: [path.dirname(require.resolve('@grpc/proto-loader/package.json'))],
}));

const TARGET = process.env.COUNTER_TARGET;
if (!TARGET) {
  throw new Error('COUNTER_TARGET is not set: run e.g. `COUNTER_TARGET=127.0.0.1:9090 npm test` '
    + 'against a running counter server (this test starts nothing itself)');
}

const PROTO_ROOT = path.resolve(__dirname, '../../../../proto');
const PROTO_FILE = path.join(PROTO_ROOT, 'counter/v1/counter.proto');
const DEADLINE_MS = 5000;
const INT64_MAX = '9223372036854775807';

const packageDefinition = protoLoader.loadSync(PROTO_FILE, {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const counterV1 = grpc.loadPackageDefinition(packageDefinition).counter.v1;

// google.rpc.Status and ErrorInfo, defined inline (no google/rpc protos ship with proto-loader):
// these are the wire-compatible subsets of google/rpc/status.proto and error_details.proto.
const rpcRoot = protobuf.parse(`
  syntax = "proto3";
  package google.rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
`, { keepCase: true }).root;
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');
const ErrorInfo = rpcRoot.lookupType('google.rpc.ErrorInfo');

const RUN_ID = `${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
const uniqueName = (label) => `node-test/${RUN_ID}/${label}`;

let client;

/** Calls a unary method with a deadline; resolves with the response, rejects with the ServiceError. */
function call(method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + DEADLINE_MS }, (err, response) => {
      if (err) reject(err); else resolve(response);
    });
  });
}

/** Calls a method that must fail; returns the ServiceError. */
async function callExpectingError(method, request) {
  try {
    const response = await call(method, request);
    assert.fail(`${method}(${JSON.stringify(request)}) should have failed but returned ${JSON.stringify(response)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
  return undefined;
}

/** Decodes the grpc-status-details-bin trailer into {status, errorInfo}. */
function statusDetails(err) {
  assert.ok(err.metadata, `error has no metadata: ${err}`);
  const bins = err.metadata.get('grpc-status-details-bin');
  assert.equal(bins.length, 1, `expected one grpc-status-details-bin trailer, got ${bins.length}`);
  const status = RpcStatus.toObject(RpcStatus.decode(bins[0]), { defaults: true });
  const infoAny = status.details.find((d) => d.type_url === 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.ok(infoAny, `no ErrorInfo among details: ${status.details.map((d) => d.type_url)}`);
  const errorInfo = ErrorInfo.toObject(ErrorInfo.decode(infoAny.value), { defaults: true });
  return { status, errorInfo };
}

function assertStatus(err, code, reason) {
  assert.equal(err.code, code, `expected gRPC status ${code}, got ${err.code} (${err.details})`);
  const { status, errorInfo } = statusDetails(err);
  assert.equal(status.code, code, 'google.rpc.Status.code must match the gRPC status code');
  assert.equal(errorInfo.domain, 'counter.v1');
  assert.equal(errorInfo.reason, reason);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The outcome fields of an IncrementResponse (windows and limits are checked where they are used).
function outcome(response) {
  return { value: response.value, duplicate: response.duplicate, applied: response.applied };
}

before(async () => {
  client = new counterV1.CounterService(TARGET, grpc.credentials.createInsecure());
  await new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + DEADLINE_MS, (err) => (err
      ? reject(new Error(`cannot connect to counter server at COUNTER_TARGET=${TARGET}: ${err.message}`))
      : resolve()));
  });
});

after(() => {
  if (client) client.close();
});

test('Increment (durable) returns the value after each increment', async () => {
  const name = uniqueName('durable');
  assert.deepEqual(outcome(await call('Increment', { name, delta: '3' })), { value: '3', duplicate: false, applied: true });
  assert.deepEqual(outcome(await call('Increment', { name, delta: '4', durability: 'DURABILITY_DURABLE' })), { value: '7', duplicate: false, applied: true });
  assert.deepEqual(outcome(await call('Increment', { name, delta: '-10' })), { value: '-3', duplicate: false, applied: true });
  assert.deepEqual(await call('Get', { name }), { value: '-3', shards: [] });
});

test('Increment (buffered) returns an empty response and the value becomes visible', async () => {
  const name = uniqueName('buffered');
  const response = await call('Increment', { name, delta: '5', durability: 'DURABILITY_BUFFERED' });
  assert.deepEqual(outcome(response), { value: '0', duplicate: false, applied: false });
  const deadline = Date.now() + 5000;
  let value;
  for (;;) {
    ({ value } = await call('Get', { name }));
    if (value === '5' || Date.now() > deadline) break;
    await sleep(50);
  }
  assert.equal(value, '5', 'buffered increment did not become visible within 5 s');
});

test('Increment retried with the same request_id is applied once', async () => {
  const name = uniqueName('idempotent');
  const requestId = crypto.randomUUID();
  const first = await call('Increment', { name, delta: '7', request_id: requestId });
  assert.deepEqual(outcome(first), { value: '7', duplicate: false, applied: true });
  const retry = await call('Increment', { name, delta: '7', request_id: requestId });
  assert.deepEqual(outcome(retry), { value: '7', duplicate: true, applied: true });
  assert.equal((await call('Get', { name })).value, '7', 'the retry must not be applied again');
  // A different request_id is a different increment.
  assert.deepEqual(outcome(await call('Increment', { name, delta: '1', request_id: crypto.randomUUID() })), { value: '8', duplicate: false, applied: true });
});

test('Get reads 0 for an unknown counter and the value otherwise', async () => {
  const name = uniqueName('get');
  assert.deepEqual(await call('Get', { name }), { value: '0', shards: [] });
  await call('Increment', { name, delta: '42' });
  assert.deepEqual(await call('Get', { name }), { value: '42', shards: [] });
});

test('Get with include_shards returns shards that sum to the value', async () => {
  const name = uniqueName('shards');
  await call('Increment', { name, delta: '11' });
  await call('Increment', { name, delta: '31' });
  const response = await call('Get', { name, include_shards: true });
  assert.equal(response.value, '42');
  assert.ok(response.shards.length >= 1, `expected at least one shard, got ${JSON.stringify(response.shards)}`);
  for (const shard of response.shards) {
    assert.equal(typeof shard.node_id, 'string');
    assert.ok(shard.node_id.length > 0, 'shard node_id must be set');
    assert.match(shard.value, /^-?\d+$/);
  }
  const sum = response.shards.reduce((acc, s) => acc + BigInt(s.value), 0n);
  assert.equal(sum.toString(), '42');
});

test('BatchGet preserves request order and reads unknown counters as 0', async () => {
  const a = uniqueName('batchget-a');
  const b = uniqueName('batchget-b');
  const unknown = uniqueName('batchget-unknown');
  await call('Increment', { name: a, delta: '1' });
  await call('Increment', { name: b, delta: '2' });
  const { values } = await call('BatchGet', { names: [b, unknown, a, b] });
  assert.deepEqual(values, [
    { name: b, value: '2' },
    { name: unknown, value: '0' },
    { name: a, value: '1' },
    { name: b, value: '2' },
  ]);
});

test('BatchIncrement: one bad item fails alone, the others are applied in order', async () => {
  const a = uniqueName('batchinc-a');
  const b = uniqueName('batchinc-b');
  const { results } = await call('BatchIncrement', {
    items: [
      { name: a, delta: '10' },
      { name: '', delta: '1' },
      { name: b, delta: '20' },
      { name: a, delta: '5' },
    ],
  });
  assert.equal(results.length, 4);
  assert.deepEqual(outcome(results[0].response), { value: '10', duplicate: false, applied: true });
  assert.equal(results[0].error, null);
  assert.equal(results[1].response, null);
  assert.ok(results[1].error, 'the empty-name item must carry an error');
  assert.equal(results[1].error.code, 3);
  assert.equal(results[1].error.reason, 'NAME_REQUIRED');
  assert.ok(results[1].error.message.length > 0, 'the item error must carry a message');
  assert.deepEqual(outcome(results[2].response), { value: '20', duplicate: false, applied: true });
  assert.equal(results[2].error, null);
  assert.deepEqual(outcome(results[3].response), { value: '15', duplicate: false, applied: true });
  assert.equal(results[3].error, null);
  const { values } = await call('BatchGet', { names: [a, b] });
  assert.deepEqual(values.map((v) => v.value), ['15', '20']);
});

test('Reset returns the previous value and the counter then reads 0', async () => {
  const name = uniqueName('reset');
  await call('Increment', { name, delta: '123' });
  assert.deepEqual(await call('Reset', { name }), { previous_value: '123' });
  assert.equal((await call('Get', { name })).value, '0');
  assert.deepEqual(await call('Reset', { name }), { previous_value: '0' });
  assert.equal((await call('Increment', { name, delta: '1' })).value, '1', 'counts from 0 after a reset');
});

test('an empty name is INVALID_ARGUMENT with ErrorInfo NAME_REQUIRED', async () => {
  assertStatus(await callExpectingError('Increment', { name: '', delta: '1' }),
    grpc.status.INVALID_ARGUMENT, 'NAME_REQUIRED');
  assertStatus(await callExpectingError('Get', { name: '' }), grpc.status.INVALID_ARGUMENT, 'NAME_REQUIRED');
  assertStatus(await callExpectingError('Reset', { name: '' }), grpc.status.INVALID_ARGUMENT, 'NAME_REQUIRED');
});

test('a name over 512 bytes is INVALID_ARGUMENT with ErrorInfo NAME_TOO_LONG', async () => {
  const name = `${uniqueName('long')}/`.padEnd(513, 'x');
  assert.equal(Buffer.byteLength(name), 513);
  assertStatus(await callExpectingError('Get', { name }), grpc.status.INVALID_ARGUMENT, 'NAME_TOO_LONG');
});

test('int64 values above 2^53 stay exact', async () => {
  const name = uniqueName('int64');
  // 2^53 + 1 is not representable as a double: it would come back as ...992 if it went through a Number.
  assert.equal((await call('Increment', { name, delta: '9007199254740993' })).value, '9007199254740993');
  assert.equal((await call('Increment', { name, delta: '1' })).value, '9007199254740994');
  assert.equal((await call('Get', { name })).value, '9007199254740994');
  assert.deepEqual((await call('BatchGet', { names: [name] })).values, [{ name, value: '9007199254740994' }]);
});

test('an increment past int64 max is OUT_OF_RANGE with COUNTER_OVERFLOW and applies nothing', async () => {
  const name = uniqueName('overflow');
  assert.equal((await call('Increment', { name, delta: INT64_MAX })).value, INT64_MAX);
  assertStatus(await callExpectingError('Increment', { name, delta: '1' }),
    grpc.status.OUT_OF_RANGE, 'COUNTER_OVERFLOW');
  assert.equal((await call('Get', { name })).value, INT64_MAX, 'a failed increment must apply nothing');
  // The same failure inside a batch is an item error, not a call error.
  const { results } = await call('BatchIncrement', { items: [{ name, delta: '1' }] });
  assert.equal(results[0].response, null);
  assert.equal(results[0].error.code, 11);
  assert.equal(results[0].error.reason, 'COUNTER_OVERFLOW');
  // The other direction too: INT64_MIN - 1.
  const low = uniqueName('underflow');
  assert.equal((await call('Increment', { name: low, delta: '-9223372036854775808' })).value,
    '-9223372036854775808');
  assertStatus(await callExpectingError('Increment', { name: low, delta: '-1' }),
    grpc.status.OUT_OF_RANGE, 'COUNTER_OVERFLOW');
});

test('a rate limit decides exactly, from a non-Java client, and a dry run reads what remains', async () => {
  const name = uniqueName('limit');
  const limited = { name, delta: '1', windows: [{ fixed: { seconds: '3600' } }],
    limits: [{ scope: 'LIMIT_SCOPE_PERIOD', window: 0, max: '3' }] };
  const replies = await Promise.all([1, 2, 3, 4, 5].map(() => call('Increment', limited)));
  assert.equal(replies.filter((r) => r.applied).length, 3);
  const denied = replies.filter((r) => r.decision === 'DECISION_DENIED');
  assert.equal(denied.length, 2);
  for (const reply of denied) {
    assert.equal(reply.applied, false);
    assert.equal(reply.value, '3');
    assert.equal(reply.limits[0].exceeded, true);
    assert.ok(reply.retry_after, 'a denial of a period limit says when to retry');
  }
  const remaining = await call('Increment', { ...limited, delta: '0', limit_mode: 'LIMIT_MODE_DRY_RUN',
    limits: [{ scope: 'LIMIT_SCOPE_PERIOD', window: 0, max: '10' }] });
  assert.equal(remaining.applied, false);
  assert.equal(remaining.limits[0].remaining, '7');
  const window = await call('GetWindow', { name, window: { fixed: { seconds: '3600' } } });
  assert.equal(window.sum, '3');
  assertStatus(await callExpectingError('Increment', { ...limited, durability: 'DURABILITY_BUFFERED' }),
    grpc.status.INVALID_ARGUMENT, 'LIMITS_NEED_DURABILITY');
});
