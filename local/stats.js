'use strict';
// DynamoDB cost accounting: every call the loader makes is recorded in the counter of the GraphQL
// request it belongs to (found through AsyncLocalStorage) and in the process-wide totals.

const { AsyncLocalStorage } = require('async_hooks');

const storage = new AsyncLocalStorage();

function newCounter() {
  // roundTrips: the longest chain of calls each sent after the previous one answered (calls
  // that overlap ran side by side, as AppSync resolves sibling fields); readUnits/writeUnits:
  // DynamoDB's on-demand request units for the calls (estimateUnits).
  const counter = { requests: 0, itemsRead: 0, roundTrips: 0, readUnits: 0, writeUnits: 0, byOperation: {} };
  Object.defineProperty(counter, 'spans', { value: [], enumerable: false });
  // HTTP data-source calls (SageMaker, Bedrock): beside the DynamoDB counts, not among them.
  Object.defineProperty(counter, 'http', { value: { requests: 0, byCall: {}, servedBy: [] }, enumerable: false });
  return counter;
}

let totals = newCounter();
// Every $util.error site that fired since the start (template, line, errorType): a test compares
// them with the sites of the synthesized templates. Kept across /__stats/reset.
const errorSites = new Map();
let graphqlRequests = 0;
let last = null;

// itemsRead: items DynamoDB read for the call (ScannedCount for Query/Scan, found items otherwise).
// `call`: {start, end} (process.hrtime.bigint) and {readUnits, writeUnits} of the call when known.
function record(operation, itemsRead = 0, call = {}) {
  const end = process.hrtime.bigint();
  const start = call.start || end;
  for (const c of [storage.getStore(), totals]) {
    if (!c) continue;
    c.requests += 1;
    c.itemsRead += itemsRead;
    c.readUnits += call.readUnits || 0;
    c.writeUnits += call.writeUnits || 0;
    c.byOperation[operation] = (c.byOperation[operation] || 0) + 1;
    if (c === totals) continue;
    const before = c.spans.filter((s) => s.end <= start).reduce((n, s) => Math.max(n, s.chain), 0);
    c.spans.push({ start, end, chain: before + 1 });
    c.roundTrips = Math.max(c.roundTrips, before + 1);
  }
}

// One HTTP data-source call: `call` is the X-Amz-Target (or method and path), `servedBy` says
// whether moto, the local filler (sagemaker-filler.js) or both answered it.
function recordHttp(source, call, servedBy) {
  for (const c of [storage.getStore(), totals]) {
    if (!c) continue;
    c.http.requests += 1;
    c.http.byCall[call] = (c.http.byCall[call] || 0) + 1;
    if (c !== totals) c.http.servedBy.push({ source, call, servedBy });
  }
}

function recordErrorSite(template, line, errorType) {
  const site = { template, line, errorType: errorType || null };
  errorSites.set(JSON.stringify(site), site);
}

// Runs fn(counter) with a fresh counter for one GraphQL request; returns that counter.
function track(fn) {
  const counter = newCounter();
  graphqlRequests += 1;
  last = counter;
  storage.run(counter, fn, counter);
  return counter;
}

// The counter of the GraphQL request being served (undefined outside one).
const current = () => storage.getStore();

function snapshot() {
  const http = { requests: totals.http.requests, byCall: totals.http.byCall };
  return { graphqlRequests, totals: { ...totals, http }, last, errorSites: [...errorSites.values()] };
}

function reset() {
  totals = newCounter();
  graphqlRequests = 0;
  last = null;
}

module.exports = { record, recordHttp, recordErrorSite, track, current, snapshot, reset };
