'use strict';
// DynamoDB cost accounting: every call the loader makes is recorded in the counter of the GraphQL
// request it belongs to (found through AsyncLocalStorage) and in the process-wide totals.

const { AsyncLocalStorage } = require('async_hooks');

const storage = new AsyncLocalStorage();

function newCounter() {
  return { requests: 0, itemsRead: 0, byOperation: {} };
}

let totals = newCounter();
let graphqlRequests = 0;
let last = null;

// itemsRead: items DynamoDB read for the call (ScannedCount for Query/Scan, found items otherwise).
function record(operation, itemsRead = 0) {
  for (const c of [storage.getStore(), totals]) {
    if (!c) continue;
    c.requests += 1;
    c.itemsRead += itemsRead;
    c.byOperation[operation] = (c.byOperation[operation] || 0) + 1;
  }
}

// Runs fn with a fresh counter for one GraphQL request; returns that counter.
function track(fn) {
  const counter = newCounter();
  graphqlRequests += 1;
  last = counter;
  storage.run(counter, fn);
  return counter;
}

function snapshot() {
  return { graphqlRequests, totals, last };
}

function reset() {
  totals = newCounter();
  graphqlRequests = 0;
  last = null;
}

module.exports = { record, track, snapshot, reset };
