'use strict';
// A minimal AppSync realtime client for the tests (tests/e2e/test_subscriptions.py), speaking
// the protocol the AppSync simulator serves (its lib/server/subscription/websocket-server):
// WebSocket subprotocol "graphql-ws" on <graphql url>/realtime, auth headers base64-encoded in
// the `header` query parameter (as AppSync's wss://...-realtime-api...?header=...&payload=e30=),
// then {type: connection_init} -> connection_ack, {type: start, id, payload: {data: JSON of
// {query, variables}, extensions: {authorization: headers}}} -> start_ack, then `data` messages.
//
//   node tests/e2e/subscribe.js --url http://127.0.0.1:PORT/graphql --api-key KEY \
//        --query 'subscription ...' [--variables '{"modelName": "m"}'] [--timeout 10] \
//        [--realtime ws://127.0.0.1:PORT/graphql]   (default: <url>/realtime)
//
// Prints one JSON line per event on stdout: {"type": "ready"} once the subscription is
// acknowledged, {"type": "data", "payload": {...}} per update, {"type": "error", ...} on an
// error message. Exits after --timeout seconds, on an error, or when stdin closes.

const { parseArgs } = require('util');
const WebSocket = require('ws');

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    // An Authorization header instead of the key: a Cognito/OIDC token, or a SigV4 header.
    authorization: { type: 'string' },
    query: { type: 'string' },
    variables: { type: 'string', default: '{}' },
    timeout: { type: 'string', default: '10' },
    realtime: { type: 'string' },
  },
});

const out = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const graphql = new URL(opts.url);
const headers = opts.authorization
  ? { host: graphql.host, Authorization: opts.authorization }
  : { host: graphql.host, 'x-api-key': opts['api-key'] };
const realtime = new URL(opts.realtime
  || opts.url.replace(/^http/, 'ws').replace(/\/graphql\/?$/, '/graphql/realtime'));
realtime.searchParams.set('header', Buffer.from(JSON.stringify(headers)).toString('base64'));
realtime.searchParams.set('payload', Buffer.from('{}').toString('base64'));

const ws = new WebSocket(realtime.toString(), 'graphql-ws');
const done = (code) => {
  try {
    ws.close();
  } finally {
    setTimeout(() => process.exit(code), 50).unref();
  }
};
setTimeout(() => done(0), Number(opts.timeout) * 1000).unref();
process.stdin.on('end', () => done(0));
process.stdin.resume();

ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
ws.on('close', (code) => {
  out({ type: 'closed', code });
  process.exit(code === 1000 || code === 1005 ? 0 : 1);
});
ws.on('error', (e) => {
  out({ type: 'error', payload: { message: e.message } });
  process.exit(1);
});
ws.on('message', (raw) => {
  const msg = JSON.parse(raw.toString());
  switch (msg.type) {
    case 'connection_ack':
      ws.send(JSON.stringify({
        type: 'start',
        id: '1',
        payload: {
          data: JSON.stringify({ query: opts.query, variables: JSON.parse(opts.variables) }),
          extensions: { authorization: headers },
        },
      }));
      break;
    case 'start_ack':
      out({ type: 'ready' });
      break;
    case 'data':
      out({ type: 'data', payload: msg.payload });
      break;
    case 'ka':
      break;
    default:
      out({ type: msg.type, payload: msg.payload });
      if (msg.type === 'error' || msg.type === 'connection_error') done(1);
  }
});
