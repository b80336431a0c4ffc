'use strict';
// A DynamoDB data loader for the AppSync simulator with AppSync's request and result shapes
// (resolver mapping template reference for DynamoDB), including the batch and transaction
// operations the simulator's own loader lacks. Every DynamoDB call goes through `call`, which
// records it for the per-request cost (stats.js).

const ddb = require('@aws-sdk/client-dynamodb');
// The simulator's unmarshall also turns DynamoDB sets into plain lists, as AppSync does.
const { unmarshall } = require('@aws-amplify/amplify-appsync-simulator/lib/data-loader/dynamo-db/utils');
const stats = require('./stats');
const faults = require('./faults');

// The DynamoDB API call behind each mapping-template operation (for the request counts).
const API_OPERATION = { BatchPutItem: 'BatchWriteItem', BatchDeleteItem: 'BatchWriteItem' };

// DynamoDB's throttling error. AppSync reports it as DynamoDB:ProvisionedThroughputExceededException
// ("Tutorial: DynamoDB batch resolvers", Error handling:
// https://docs.aws.amazon.com/appsync/latest/devguide/tutorial-dynamodb-batch.html).
const THROTTLED = {
  name: 'ProvisionedThroughputExceededException',
  message: 'You exceeded your maximum allowed provisioned throughput for a table or for one or more global secondary indexes.',
};

// Every table a request names (the data source's own, or those of a batch or transaction).
function tablesOf(payload, own) {
  if (payload.tables) return Object.keys(payload.tables);
  if (payload.transactItems) return payload.transactItems.map((t) => t.table);
  return [own];
}

// How many entries of a batch table a fault leaves unprocessed (the last ones).
const leftBy = (fault, n) => (fault && fault.effect === 'unprocessed' ? Math.min(fault.leave, n) : 0);

const itemsOf = (list) => (list || []).map((i) => unmarshall(i));
const nonEmpty = (obj) => (obj && Object.keys(obj).length ? obj : undefined);

// Stable text of a value (attribute maps compare equal whatever their key order).
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// Merges the names/values of several expressions (condition, update, filter, projection...).
function expressionParams(...parts) {
  const names = {};
  const values = {};
  for (const p of parts) {
    if (!p) continue;
    Object.assign(names, p.expressionNames || {});
    Object.assign(values, p.expressionValues || {});
  }
  return { ExpressionAttributeNames: nonEmpty(names), ExpressionAttributeValues: nonEmpty(values) };
}

function conditionParams(condition) {
  if (!condition || !condition.expression) return {};
  return { ConditionExpression: condition.expression, ...expressionParams(condition) };
}

// An error as AppSync reports it: errorType `DynamoDB:<exception>`, readable by $ctx.error.type.
function appsyncError(e, data) {
  const name = e.name || 'InternalFailure';
  const err = new Error(e.message || name);
  err.type = `DynamoDB:${name}`;
  err.extensions = { message: err.message, errorType: err.type };
  if (data !== undefined) {
    err.data = data;
    err.extensions.data = data;
  }
  return err;
}

// What DynamoDB refuses in an item and moto 5.2.5 stores anyway: an item over 400 KB, values
// nested deeper than 32 levels, an empty attribute name (at the top or as a map key). The loader
// refuses them first, as DynamoDB does (ValidationException), so a template that would fail on
// AWS fails here too. Quotas: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
// ("Item size", "Nested attribute depth"); names: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
// (an attribute name is at least one character). Sizes follow "Item sizes and formats".
const MAX_ITEM_BYTES = 400 * 1024;
const MAX_DEPTH = 32;
// Refused before moto sees it, but on AWS the call reached DynamoDB: load() counts it.
const refused = (message) => Object.assign(appsyncError({ name: 'ValidationException', message }), { uncounted: true });
const utf8 = (text) => Buffer.byteLength(String(text), 'utf8');

function valueSize(v, depth) {
  const [type, x] = Object.entries(v || { NULL: true })[0];
  if ((type === 'M' || type === 'L') && depth >= MAX_DEPTH) throw refused('Nesting Levels have exceeded supported limits');
  switch (type) {
    case 'S': return utf8(x);
    case 'N': return Math.ceil(String(x).replace(/[^0-9]/g, '').replace(/^0+/, '').length / 2) + 1;
    case 'B': return Buffer.from(x).length;
    case 'SS': return x.reduce((n, e) => n + utf8(e), 0);
    case 'NS': return x.reduce((n, e) => n + valueSize({ N: e }, depth), 0);
    case 'BS': return x.reduce((n, e) => n + Buffer.from(e).length, 0);
    case 'L': return 3 + x.reduce((n, e) => n + 1 + valueSize(e, depth + 1), 0);
    case 'M': return 3 + Object.entries(x).reduce((n, [k, e]) => n + 1 + nameSize(k) + valueSize(e, depth + 1), 0);
    default: return 1; // BOOL, NULL
  }
}

function nameSize(name) {
  if (!name.length) throw refused('One or more parameter values were invalid: an attribute name is empty (names are at least one character)');
  return utf8(name);
}

// Throws DynamoDB's ValidationException for an item DynamoDB would refuse.
function checkItem(item) {
  const size = Object.entries(item).reduce((n, [k, v]) => n + nameSize(k) + valueSize(v, 0), 0);
  if (size > MAX_ITEM_BYTES) throw refused('Item size has exceeded the maximum allowed size');
}

// Update values: names and nesting (their item's final size is known only to DynamoDB).
function checkValues(values) {
  for (const v of Object.values(values || {})) valueSize(v, 0);
}

// What a concurrent writer causes, as DynamoDB reports it (a transaction: cancelled, with the
// reason for that item and None for the others). Fault `conflict`: a writer that won, so the
// condition fails. Fault `txconflict`: another request's transaction holds the item at that
// moment ("Transaction conflict handling in DynamoDB", developer guide: a single-item write
// fails with TransactionConflictException, a transaction is cancelled with TransactionConflict).
const CONFLICTS = {
  conflict: { name: 'ConditionalCheckFailedException', code: 'ConditionalCheckFailed', message: 'The conditional request failed' },
  txconflict: { name: 'TransactionConflictException', code: 'TransactionConflict', message: 'Transaction is ongoing for the item' },
};
function conflicted(payload, index, effect) {
  const { name, code, message } = CONFLICTS[effect];
  if (payload.operation !== 'TransactWriteItems') return appsyncError({ name, message }, null);
  const items = payload.transactItems || [];
  const codes = items.map((_, i) => (i === index ? code : 'None'));
  const err = appsyncError({
    name: 'TransactionCanceledException',
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
  });
  err.appsyncResult = {
    keys: null,
    cancellationReasons: codes.map((type) => ({ type, message: type === 'None' ? null : message })),
  };
  err.extensions.data = err.appsyncResult;
  return err;
}

// A batch result, or (when any table has entries left unprocessed) the invocation error AppSync
// sets beside it; patches.js hands the template both ($ctx.error and $ctx.result).
function incomplete(result, left) {
  if (!Object.values(left).some((l) => l.length)) return result;
  const err = appsyncError(THROTTLED);
  err.appsyncResult = result;
  err.extensions.data = result;
  throw err;
}

// On-demand request units of one call, from the sizes of the items it read or wrote
// ("Read/write capacity mode", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadWriteCapacityMode.html):
// a write is 1 unit per KB of the item (2 in a transaction), a strongly consistent read 1 unit
// per 4 KB (half for an eventually consistent one, 2 in a transaction); a Query or Scan sums
// its items before rounding up. An item whose size the answer does not give counts 1 KB.
const kb = (item, per) => Math.max(1, Math.ceil((item ? itemBytes(item) : 1) / per));
function itemBytes(item) {
  try { return Object.entries(item).reduce((n, [k, v]) => n + utf8(k) + valueSize(v, 0), 0); } catch (e) { return 1024; }
}
function estimateUnits(operation, params, out) {
  const strong = (p) => (p && p.ConsistentRead ? 1 : 0.5);
  switch (operation) {
    case 'GetItem': return { readUnits: kb(out && out.Item, 4096) * strong(params) };
    case 'Query': case 'Scan': {
      const bytes = ((out && out.Items) || []).reduce((n, i) => n + itemBytes(i), 0);
      return { readUnits: Math.max(1, Math.ceil(bytes / 4096)) * strong(params) };
    }
    case 'BatchGetItem': {
      let units = 0;
      for (const [table, items] of Object.entries((out && out.Responses) || {})) {
        units += items.reduce((n, i) => n + kb(i, 4096), 0) * strong(params.RequestItems[table]);
      }
      return { readUnits: units };
    }
    case 'PutItem': return { writeUnits: kb(params.Item, 1024) };
    case 'UpdateItem': return { writeUnits: kb(out && out.Attributes, 1024) };
    case 'DeleteItem': return { writeUnits: kb(out && out.Attributes, 1024) };
    case 'TransactWriteItems':
      return { writeUnits: params.TransactItems.reduce((n, t) => n + 2 * kb(t.Put && t.Put.Item, 1024), 0) };
    case 'BatchWriteItem':
      return { writeUnits: Object.values(params.RequestItems).flat().reduce((n, r) => n + kb(r.PutRequest && r.PutRequest.Item, 1024), 0) };
    default: return {};
  }
}

// nextToken is opaque and tamper-evident, as AppSync's (local/next-token.js).
const { encodeToken, decodeToken } = require('./next-token');

// DynamoDB applies each conditional write atomically. moto's server runs requests on threads
// and checks a condition apart from applying the write, so two writers could both pass the
// same check (seen once, in a full run on a loaded machine: two winners of one revision).
// Writes therefore go to moto one at a time; reads need no order.
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
let lastWrite = Promise.resolve();
const oneWriteAtATime = (send) => {
  const run = lastWrite.then(send, send);
  lastWrite = run.catch(() => {});
  return run;
};

class LocalDynamoDBLoader {
  constructor(dsConfig) {
    const { tableName, endpoint, region, credentials } = dsConfig.config || {};
    if (!tableName || !endpoint) throw new Error(`Invalid DynamoDB data source ${dsConfig.name}`);
    this.tableName = tableName;
    this.ddbConfig = dsConfig; // the simulator's clearData() looks for ddbConfig.type
    this.client = new ddb.DynamoDBClient({ endpoint, region: region || 'us-east-1', credentials, maxAttempts: 1 });
  }

  // One DynamoDB API call, counted; `read` says how many items the answer read.
  async call(operation, params, read = () => 0) {
    let out;
    const start = process.hrtime.bigint();
    try {
      const send = () => this.client.send(new ddb[`${operation}Command`](params));
      out = await (WRITES.has(operation) ? oneWriteAtATime(send) : send());
    } finally {
      // A failed call still went to DynamoDB: count it, with what it read when known.
      stats.record(operation, out ? read(out) : 0, { start, ...estimateUnits(operation, params, out) });
    }
    return out;
  }

  async load(payload) {
    const handler = this[`op${payload.operation}`];
    if (!handler) {
      const e = new Error(`Unsupported operation '${payload.operation}'`);
      e.extensions = { message: e.message, errorType: 'MappingTemplate' };
      e.type = 'MappingTemplate';
      throw e;
    }
    // Fault injection (faults.js): a throttled call reaches DynamoDB and is refused, so it is
    // counted; `unprocessed` is handed to the batch operations.
    const fault = faults.match('dynamodb', payload.operation, tablesOf(payload, this.tableName));
    if (fault && fault.effect === 'throttle') {
      stats.record(API_OPERATION[payload.operation] || payload.operation, 0);
      throw appsyncError(THROTTLED);
    }
    if (fault && CONFLICTS[fault.effect]) {
      stats.record(payload.operation, 0);
      throw conflicted(payload, fault.index, fault.effect);
    }
    try {
      return await handler.call(this, payload, fault);
    } catch (e) {
      if (e.uncounted) stats.record(API_OPERATION[payload.operation] || payload.operation, 0);
      if (e.extensions) throw e;
      throw appsyncError(e);
    }
  }

  // The explorer's "Clear data" button (simulator's DELETE /clear-data): empties the table.
  async opDeleteAllItems() {
    const { Table } = await this.call('DescribeTable', { TableName: this.tableName });
    const keyNames = Table.KeySchema.map((k) => k.AttributeName);
    let start;
    do {
      const page = await this.call('Scan', { TableName: this.tableName, ExclusiveStartKey: start },
        (o) => o.ScannedCount || 0);
      const keys = page.Items.map((i) => Object.fromEntries(keyNames.map((k) => [k, i[k]])));
      for (let i = 0; i < keys.length; i += 25) {
        const chunk = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        await this.call('BatchWriteItem', { RequestItems: { [this.tableName]: chunk } });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return [this.tableName];
  }

  async opGetItem({ key, consistentRead = false, projection }) {
    const out = await this.call('GetItem', {
      TableName: this.tableName,
      Key: key,
      ConsistentRead: consistentRead,
      ...(projection ? { ProjectionExpression: projection.expression, ...expressionParams(projection) } : {}),
    }, (o) => (o.Item ? 1 : 0));
    return out.Item ? unmarshall(out.Item) : null;
  }

  // After a failed condition AppSync reads the item as it is now (strongly consistent unless the
  // condition says consistentRead: false) and returns it in the error's data ("Condition
  // expressions", Handling a condition check failure:
  // https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-resolver-mapping-template-reference-dynamodb-condition-expressions.html).
  async currentItem(key, condition = {}) {
    const out = await this.call('GetItem', {
      TableName: this.tableName, Key: key, ConsistentRead: condition.consistentRead !== false,
    }, (o) => (o.Item ? 1 : 0));
    return out.Item || null;
  }

  async opPutItem({ key, attributeValues = {}, condition }) {
    const item = { ...attributeValues, ...key };
    checkItem(item);
    try {
      await this.call('PutItem', { TableName: this.tableName, Item: item, ...conditionParams(condition) });
    } catch (e) {
      if (e.name !== 'ConditionalCheckFailedException') throw e;
      // When the item now equals the one to write (less `equalsIgnore`), the put counts as done.
      const current = await this.currentItem(key, condition);
      const strip = (i) => {
        const copy = { ...(i || {}) };
        for (const k of condition.equalsIgnore || []) delete copy[k];
        return canonical(copy);
      };
      if (current && strip(current) === strip(item)) return unmarshall(current);
      throw appsyncError(e, current ? unmarshall(current) : null);
    }
    return unmarshall(item);
  }

  async opUpdateItem({ key, update = {}, condition }) {
    checkValues(update.expressionValues);
    try {
      const out = await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: key,
        UpdateExpression: update.expression,
        ...conditionParams(condition),
        ...expressionParams(update, condition),
        ReturnValues: 'ALL_NEW',
      });
      return out.Attributes ? unmarshall(out.Attributes) : null;
    } catch (e) {
      if (e.name !== 'ConditionalCheckFailedException') throw e;
      // The reference describes the "already as desired" success for PutItem (equalsIgnore);
      // an update or delete whose condition failed is always an error here, never more lenient.
      const current = await this.currentItem(key, condition);
      throw appsyncError(e, current ? unmarshall(current) : null);
    }
  }

  async opDeleteItem({ key, condition }) {
    try {
      const out = await this.call('DeleteItem', {
        TableName: this.tableName,
        Key: key,
        ...conditionParams(condition),
        ReturnValues: 'ALL_OLD',
      });
      return out.Attributes ? unmarshall(out.Attributes) : null;
    } catch (e) {
      if (e.name !== 'ConditionalCheckFailedException') throw e;
      const current = await this.currentItem(key, condition);
      throw appsyncError(e, current ? unmarshall(current) : null);
    }
  }

  // Query and Scan share paging and the result shape {items, nextToken, scannedCount}.
  async page(operation, params, p, keyCondition) {
    const { filter, projection } = p;
    const out = await this.call(operation, {
      TableName: this.tableName,
      IndexName: p.index,
      Limit: p.limit,
      ConsistentRead: p.consistentRead || false,
      ExclusiveStartKey: decodeToken(p.nextToken),
      Select: p.select,
      ...(filter && filter.expression ? { FilterExpression: filter.expression } : {}),
      ...(projection ? { ProjectionExpression: projection.expression } : {}),
      ...params,
      ...expressionParams(keyCondition, filter, projection),
    }, (o) => o.ScannedCount || 0);
    return { items: itemsOf(out.Items), nextToken: encodeToken(out.LastEvaluatedKey), scannedCount: out.ScannedCount };
  }

  async opQuery(p) {
    const query = p.query || {};
    const params = { KeyConditionExpression: query.expression, ScanIndexForward: p.scanIndexForward !== false };
    return this.page('Query', params, p, query);
  }

  async opScan(p) {
    return this.page('Scan', { Segment: p.segment, TotalSegments: p.totalSegments }, p);
  }

  // BatchGetItem: $ctx.result.data.<table> lists the items in the order of the keys, null when
  // missing or not processed; keys DynamoDB left unprocessed are in unprocessedKeys.<table>. A
  // batch left incomplete sets BOTH an invocation error ($ctx.error, ProvisionedThroughputExceeded)
  // and that $ctx.result ("Tutorial: DynamoDB batch resolvers", Error handling:
  // https://docs.aws.amazon.com/appsync/latest/devguide/tutorial-dynamodb-batch.html; BatchGetItem
  // reference: https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-resolver-mapping-template-reference-dynamodb-batch-get-item.html).
  async opBatchGetItem({ tables = {} }, fault) {
    const RequestItems = {};
    const sent = {};
    const unprocessedKeys = {};
    for (const [table, spec] of Object.entries(tables)) {
      const keys = spec.keys || [];
      const left = leftBy(fault, keys.length);
      sent[table] = keys.slice(0, keys.length - left);
      unprocessedKeys[table] = keys.slice(keys.length - left);
      if (!sent[table].length) continue;
      RequestItems[table] = {
        Keys: sent[table],
        ConsistentRead: spec.consistentRead || false,
        ...(spec.projection ? { ProjectionExpression: spec.projection.expression, ...expressionParams(spec.projection) } : {}),
      };
    }
    const countRead = (o) => Object.values(o.Responses || {}).reduce((n, items) => n + items.length, 0);
    let out = {};
    if (Object.keys(RequestItems).length) {
      out = await this.call('BatchGetItem', { RequestItems }, countRead);
    } else {
      stats.record('BatchGetItem', 0); // sent, and DynamoDB processed none of it
    }
    const data = {};
    for (const [table, spec] of Object.entries(tables)) {
      const found = out.Responses?.[table] || [];
      const left = [...unprocessedKeys[table], ...(out.UnprocessedKeys?.[table]?.Keys || [])];
      const matches = (item, key) => Object.entries(key).every(([k, v]) => canonical(item[k]) === canonical(v));
      data[table] = (spec.keys || []).map((key) => {
        const item = found.find((i) => matches(i, key));
        return item ? unmarshall(item) : null;
      });
      unprocessedKeys[table] = itemsOf(left);
    }
    return incomplete({ data, unprocessedKeys }, unprocessedKeys);
  }

  async opBatchPutItem({ tables = {} }, fault) {
    const { data, left } = await this.batchWrite(tables, 'PutRequest', 'Item', fault);
    return incomplete({ data, unprocessedItems: left }, left);
  }

  async opBatchDeleteItem({ tables = {} }, fault) {
    const { data, left } = await this.batchWrite(tables, 'DeleteRequest', 'Key', fault);
    return incomplete({ data, unprocessedKeys: left }, left);
  }

  // One BatchWriteItem of `request` (PutRequest with Item, or DeleteRequest with Key) per
  // entry. AppSync's data.<table> lists the entries in request order with null for each one left
  // unprocessed, and lists those apart (BatchPutItem / BatchDeleteItem references:
  // https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-resolver-mapping-template-reference-dynamodb-batch-put-item.html).
  async batchWrite(tables, request, field, fault) {
    const RequestItems = {};
    const skipped = {};
    for (const [table, entries] of Object.entries(tables)) {
      const cut = entries.length - leftBy(fault, entries.length);
      skipped[table] = entries.slice(cut);
      if (request === 'PutRequest') entries.forEach(checkItem);
      if (cut) RequestItems[table] = entries.slice(0, cut).map((entry) => ({ [request]: { [field]: entry } }));
    }
    let out = {};
    if (Object.keys(RequestItems).length) out = await this.call('BatchWriteItem', { RequestItems });
    else stats.record('BatchWriteItem', 0);
    const data = {};
    const left = {};
    for (const [table, entries] of Object.entries(tables)) {
      const rest = [...skipped[table], ...(out.UnprocessedItems?.[table] || []).map((r) => r[request][field])];
      const isLeft = (e) => rest.some((l) => canonical(l) === canonical(e));
      data[table] = entries.map((e) => (isLeft(e) ? null : unmarshall(e)));
      left[table] = itemsOf(rest);
    }
    return { data, left };
  }

  async opTransactGetItems({ transactItems = [] }) {
    const out = await this.call('TransactGetItems', {
      TransactItems: transactItems.map((t) => ({
        Get: {
          TableName: t.table,
          Key: t.key,
          ...(t.projection ? { ProjectionExpression: t.projection.expression, ...expressionParams(t.projection) } : {}),
        },
      })),
    }, (o) => (o.Responses || []).filter((r) => r.Item).length);
    return { items: (out.Responses || []).map((r) => (r.Item ? unmarshall(r.Item) : null)), cancellationReasons: null };
  }

  // TransactWriteItems: $ctx.result.keys lists the key of each item. On a cancelled transaction
  // $ctx.error is DynamoDB:TransactionCanceledException and $ctx.result.cancellationReasons
  // gives {type, message[, item]} per request item, in order.
  async opTransactWriteItems({ transactItems = [] }) {
    const TransactItems = transactItems.map((t) => {
      const base = {
        TableName: t.table,
        Key: t.key,
        ...conditionParams(t.condition),
        ReturnValuesOnConditionCheckFailure: t.condition && t.condition.returnValuesOnConditionCheckFailure === false
          ? 'NONE' : 'ALL_OLD',
      };
      switch (t.operation) {
        case 'PutItem': {
          const { Key, ...rest } = base;
          checkItem({ ...(t.attributeValues || {}), ...Key });
          return { Put: { ...rest, Item: { ...(t.attributeValues || {}), ...Key } } };
        }
        case 'UpdateItem':
          checkValues(t.update.expressionValues);
          return { Update: { ...base, UpdateExpression: t.update.expression, ...expressionParams(t.update, t.condition) } };
        case 'DeleteItem':
          return { Delete: base };
        case 'ConditionCheck':
          return { ConditionCheck: base };
        default:
          throw Object.assign(new Error(`Unsupported transactItems operation '${t.operation}'`), {
            type: 'MappingTemplate', extensions: { errorType: 'MappingTemplate' },
          });
      }
    });
    try {
      await this.call('TransactWriteItems', { TransactItems });
    } catch (e) {
      if (e.name !== 'TransactionCanceledException') throw e;
      const err = appsyncError(e);
      const cancellationReasons = (e.CancellationReasons || []).map((r) => ({
        type: r.Code || 'None',
        message: r.Message || null,
        ...(r.Item ? { item: unmarshall(r.Item) } : {}),
      }));
      err.appsyncResult = { keys: null, cancellationReasons };
      err.extensions.data = err.appsyncResult;
      throw err;
    }
    return { keys: transactItems.map((t) => unmarshall(t.key)), cancellationReasons: null };
  }
}

module.exports = { LocalDynamoDBLoader };
