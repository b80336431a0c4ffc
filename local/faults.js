'use strict';
// Fault injection for the local runtime, so tests can drive the error branches that AWS takes
// under load or outage (throttling, a partial batch, a failing or silent SageMaker/Bedrock) and
// check that nothing partial is stored. Rules come from the environment (LOCAL_FAULTS, every
// request) and from the request header `x-local-faults` (that request only; no restart):
//
//   rule[,rule...]      rule = <target>[@<table>][#<n>]=<effect>
//
//   target  a DynamoDB operation as the mapping template names it (GetItem, PutItem, UpdateItem,
//           DeleteItem, Query, Scan, BatchGetItem, BatchPutItem, BatchDeleteItem,
//           TransactGetItems, TransactWriteItems), or an HTTP data-source call
//           (CreateTrainingJob, DescribeTrainingJob, StopTrainingJob, InvokeEndpoint, InvokeModel,
//           PutObject: S3, where predict writes long outputs;
//           CreateModel, CreateTransformJob, DescribeTransformJob, StopTransformJob,
//           and the hosting calls listed below HTTP)
//   @table  only calls on a table whose name ends with this (`@predictions`)
//   #n      only the n-th matching call of the GraphQL request (1-based; default: every call)
//   effect  DynamoDB: `throttle` (ProvisionedThroughputExceededException), `unprocessed` (a batch
//           leaves every key or item unprocessed) or `unprocessed:<k>` (the last k of each table),
//           `conflict` (a concurrent writer won: a conditional PutItem/UpdateItem/DeleteItem fails
//           its condition; a TransactWriteItems is cancelled with ConditionalCheckFailed for its
//           item `conflict:<i>`, 0-based, default 0), `txconflict` (another request's
//           transaction held the item at that moment: a PutItem/UpdateItem/DeleteItem fails with
//           TransactionConflictException; a TransactWriteItems is cancelled with
//           TransactionConflict for its item `txconflict:<i>`, 0-based, default 0);
//           HTTP: a status 400-599 (the service's error body), `timeout` (no answer, the
//           service never called) or `lost` (the service does what was asked, but its answer
//           never arrives: a timeout after SageMaker accepted)
//
// Example: x-local-faults: PutItem#1=throttle,InvokeEndpoint=503

const stats = require('./stats');

const DYNAMODB = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan',
  'BatchGetItem', 'BatchPutItem', 'BatchDeleteItem', 'TransactGetItems', 'TransactWriteItems']);
const BATCH = new Set(['BatchGetItem', 'BatchPutItem', 'BatchDeleteItem']);
const CONDITIONAL = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);
const HTTP = new Set(['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob', 'InvokeEndpoint', 'InvokeModel',
  'PutObject', 'CreateModel', 'CreateTransformJob', 'DescribeTransformJob', 'StopTransformJob']);
// deployModelVersion, undeployModelVersion and refreshDeployment (SageMaker hosting).
['CreateModel', 'CreateEndpointConfig', 'CreateEndpoint', 'UpdateEndpoint', 'DescribeEndpoint',
  'DeleteEndpoint', 'DeleteEndpointConfig', 'DeleteModel'].forEach((a) => HTTP.add(a));
const HEADER = 'x-local-faults';

class FaultSpecError extends Error {}

function parseRule(text, source) {
  const m = /^([A-Za-z]+)(?:@([A-Za-z0-9_.-]+))?(?:#([1-9][0-9]*))?=([a-z]+(?::[0-9]+)?|[45][0-9][0-9])$/.exec(text.trim());
  const bad = (why) => new FaultSpecError(`${source}: '${text.trim()}': ${why}; expected <operation>[@<table>][#<n>]=<effect>, e.g. PutItem#2=throttle`);
  if (!m) throw bad('not a rule');
  const [, target, table, nth, effect] = m;
  if (DYNAMODB.has(target)) {
    const unprocessed = /^unprocessed(?::(\d+))?$/.exec(effect);
    if (unprocessed && !BATCH.has(target)) throw bad(`only ${[...BATCH].join(', ')} leave keys unprocessed`);
    const conflict = /^(conflict|txconflict)(?::(\d+))?$/.exec(effect);
    if (conflict && conflict[1] === 'conflict' && !CONDITIONAL.has(target)) throw bad(`only ${[...CONDITIONAL].join(', ')} have a condition to fail`);
    // DynamoDB refuses a single-item write, or cancels a write transaction, whose item another
    // request's transaction is writing; reads outside a transaction never conflict ("Transaction
    // conflict handling in DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).
    if (conflict && conflict[1] === 'txconflict' && !CONDITIONAL.has(target)) throw bad(`only the writes ${[...CONDITIONAL].join(', ')} meet another transaction`);
    if (effect !== 'throttle' && !unprocessed && !conflict) {
      throw bad('a DynamoDB effect is throttle, unprocessed[:<k>], conflict[:<i>] or txconflict[:<i>]');
    }
    return { kind: 'dynamodb', target, table, nth: nth ? Number(nth) : null,
      effect: unprocessed ? 'unprocessed' : conflict ? conflict[1] : 'throttle',
      leave: unprocessed && unprocessed[1] ? Number(unprocessed[1]) : Infinity,
      index: conflict && conflict[2] ? Number(conflict[2]) : 0 };
  }
  if (HTTP.has(target)) {
    if (effect !== 'timeout' && effect !== 'lost' && !/^[45][0-9][0-9]$/.test(effect)) throw bad('an HTTP effect is a status 400-599, timeout or lost');
    if (table) throw bad('@table applies to DynamoDB operations only');
    return { kind: 'http', target, nth: nth ? Number(nth) : null, effect };
  }
  throw bad(`no operation this runtime knows (${[...DYNAMODB, ...HTTP].join(', ')})`);
}

function parse(spec, source) {
  return String(spec || '').split(',').filter((s) => s.trim()).map((s) => parseRule(s, source));
}

let envRules;
try {
  envRules = parse(process.env.LOCAL_FAULTS, 'LOCAL_FAULTS');
} catch (e) {
  console.error(`local: ${e.message}`);
  process.exit(2);
}

// Per GraphQL request (its stats counter): the header's rules and how often each rule matched.
const perRequest = new WeakMap();
const outside = { rules: [], counts: new Map(), error: null };

function state() {
  const counter = stats.current();
  if (!counter) return outside;
  if (!perRequest.has(counter)) perRequest.set(counter, { rules: [], counts: new Map(), error: null });
  return perRequest.get(counter);
}

// Called with the request's headers before its templates run (patches.js).
function fromHeaders(headers) {
  const s = state();
  if (s === outside || s.headerRead) return;
  s.headerRead = true;
  const spec = headers && headers[HEADER];
  try {
    s.rules = parse(spec, HEADER);
  } catch (e) {
    s.error = e;
  }
}

// The rule that applies to this call, if any (counting the call for every rule it matches).
function match(kind, target, tables = []) {
  const s = state();
  if (s.error) {
    throw Object.assign(new Error(s.error.message), { type: 'LocalFaults', extensions: { errorType: 'LocalFaults', message: s.error.message } });
  }
  let hit = null;
  for (const rule of [...envRules, ...s.rules]) {
    if (rule.kind !== kind || rule.target !== target) continue;
    if (rule.table && !tables.some((t) => t.endsWith(rule.table))) continue;
    const n = (s.counts.get(rule) || 0) + 1;
    s.counts.set(rule, n);
    if (!hit && (rule.nth === null || rule.nth === n)) hit = rule;
  }
  return hit;
}

module.exports = { match, fromHeaders, parse, FaultSpecError, HEADER };
