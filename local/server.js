'use strict';
// The local AppSync endpoint: AWS's AppSync simulator configured from the synthesized Terraform
// JSON, with our DynamoDB loader, per-request DynamoDB cost accounting and loopback binding.
// Started by local/run.py, which owns moto and the tables; usable alone with the same flags.
//
//   node local/server.js --stack cdk.tf.json --dynamodb-endpoint http://127.0.0.1:PORT
//        [--host 127.0.0.1] [--port 20002] [--api-key local-dev-key] [--region us-east-1]
//        [--parent-pid PID]

const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');
const express = require('express');
const sim = require('./patches');
const { buildConfig, apiLimits, loadStack, StackError } = require('./tfstack');
const limits = require('./limits');
const { LocalDynamoDBLoader } = require('./dynamodb-loader');
const { LocalHttpLoader } = require('./http-loader');
const stats = require('./stats');
const edge = require('./graphql-http');
const { parse } = require('graphql');
const { checkTemplates } = require('./vtlcheck');

const REALTIME_PATH = '/graphql/realtime'; // the simulator's (its websocket-server/server.js)

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

sim.removeDataLoader('AMAZON_DYNAMODB');
sim.addDataLoader('AMAZON_DYNAMODB', LocalDynamoDBLoader);
sim.addDataLoader('HTTP', LocalHttpLoader);

function options() {
  const { values } = parseArgs({
    options: {
      stack: { type: 'string' },
      'dynamodb-endpoint': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: process.env.LOCAL_PORT || '20002' },
      'api-key': { type: 'string', default: process.env.LOCAL_API_KEY || 'local-dev-key' },
      region: { type: 'string' },
      'parent-pid': { type: 'string' },
    },
  });
  if (!values.stack || !values['dynamodb-endpoint']) {
    throw new StackError('--stack and --dynamodb-endpoint are required');
  }
  return values;
}

// The simulator's explorer (Amplify GraphiQL, in its public/) sends a key hard-coded in its
// bundle and its CSS imports a web font from the internet: serve both patched, from memory.
const PUBLIC = path.join(path.dirname(require.resolve('@aws-amplify/amplify-appsync-simulator')), '..', 'public');
const AMPLIFY_MOCK_KEY = '"da2-fakeApiId123456"';

function explorerAssets(apiKey) {
  const assets = {};
  for (const [dir, type, patch] of [
    ['js', 'application/javascript', (t) => t.split(AMPLIFY_MOCK_KEY).join(JSON.stringify(apiKey))],
    ['css', 'text/css', (t) => t.replace(/@import url\(https?:[^)]*\);?/g, '')],
  ]) {
    for (const name of fs.readdirSync(path.join(PUBLIC, 'static', dir)).filter((n) => n.endsWith(`.${dir}`))) {
      const text = fs.readFileSync(path.join(PUBLIC, 'static', dir, name), 'utf8');
      const patched = patch(text);
      if (patched !== text) assets[`/static/${dir}/${name}`] = { type, body: patched };
    }
  }
  if (!Object.keys(assets).some((k) => k.endsWith('.js'))) {
    console.warn('local: the explorer bundle has no mock API key to replace; use its "Update Auth" button');
  }
  return (req, res, next) => {
    const asset = req.method === 'GET' && assets[req.path];
    return asset ? res.type(asset.type).send(asset.body) : next();
  };
}

// Routes in front of the simulator's app: stats endpoints and per-request cost accounting.
function frontApp(simApp, apiKey) {
  const app = express();
  app.use(explorerAssets(apiKey));
  const loopbackOnly = (req, res, next) =>
    LOOPBACK.has(req.socket.remoteAddress) ? next() : res.status(403).send({ message: 'loopback only' });
  app.get('/__stats', loopbackOnly, (req, res) => res.send(stats.snapshot()));
  app.post('/__stats/reset', loopbackOnly, (req, res) => {
    stats.reset();
    res.send(stats.snapshot());
  });
  // The body is parsed here, before the counter is entered: body parsing continues in stream
  // callbacks that would lose the async context. The simulator's own parser then skips it.
  // A CORS preflight (OPTIONS) goes on to the simulator's cors().
  app.all('/graphql', (req, res, next) => (req.method === 'OPTIONS' ? next('route') : next()),
    edge.readBody, edge.graphqlRequest, (req, res, next) => {
      let counter;
      const json = res.json.bind(res);
      // Set before next(): the simulator may answer synchronously (its catch-all error).
      res.json = (body) => {
        body = edge.asGraphqlError(res, body);
        res.set('x-dynamodb-requests', String(counter.requests));
        res.set('x-dynamodb-items-read', String(counter.itemsRead));
        if (body && typeof body === 'object' && !Array.isArray(body)) {
          body = { ...body, extensions: { ...(body.extensions || {}), dynamodb: counter, http: counter.http } };
        }
        return json(body);
      };
      stats.track((c) => {
        counter = c;
        // Deeper than the API's query_depth_limit: refused before anything runs (limits.js).
        const tooDeep = limits.depthError(parse(req.body.query));
        if (tooDeep) return res.json({ data: null, errors: [tooDeep] });
        return next();
      });
    });
  app.use(simApp);
  app.use(edge.notFound);
  app.use(edge.onError);
  return app;
}

// AWS clients derive the realtime URL from the GraphQL URL; on a host that is not AppSync's
// (loopback, a custom domain) several keep the GraphQL path itself. The simulator's WebSocket
// server knows only /graphql/realtime: a WebSocket upgrade of /graphql goes there too.
function realtimeOnGraphqlPath(server) {
  server.prependListener('upgrade', (req) => {
    const at = req.url.indexOf('?');
    const pathname = at === -1 ? req.url : req.url.slice(0, at);
    if (pathname === '/graphql' || pathname === '/graphql/') {
      req.url = REALTIME_PATH + (at === -1 ? '' : req.url.slice(at));
    }
  });
}

// One line naming LOCAL_PORT, then exit 2: run.py adds nothing to a code-2 exit.
function portInUse(host, port) {
  console.error(`local: port ${port} on ${host} is in use (LOCAL_PORT): stop what uses it, `
    + 'or set LOCAL_PORT to another port (0: any free port)');
  process.exit(2);
}

async function main() {
  const opts = options();
  const stack = loadStack(opts.stack);
  const providerRegion = (((stack.provider || {}).aws || [])[0] || {}).region;
  const region = opts.region || (providerRegion && !providerRegion.includes('${') ? providerRegion : 'us-east-1');
  const config = buildConfig(stack, { endpoint: opts['dynamodb-endpoint'], region, apiKey: opts['api-key'] });
  limits.configure(apiLimits(stack));
  const warning = checkTemplates(config.mappingTemplates);
  if (warning) console.warn(`local: WARNING: ${warning}`);
  // In READY: tests whose proof needs the parse check skip, saying why, when it is off.
  const velocity17 = warning
    ? { checked: false, reason: warning }
    : { checked: true, templates: config.mappingTemplates.length };

  const simulator = new sim.AmplifyAppSyncSimulator({ port: Number(opts.port) });
  simulator.init(config);
  // The simulator listens on every interface and has no host option: bind it to --host.
  const server = simulator._server._httpServer;
  // Node closes a keep-alive connection idle for 5 s, racing a client that reuses it just then
  // ("Remote end closed connection without response" on a POST, which clients do not retry).
  // Keep idle connections longer than clients keep them (as AWS's load balancers do, 60 s+).
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  const listen = server.listen.bind(server);
  server.listen = (port) => {
    // Before the WebSocket server's own 'error' listener, which would rethrow with a stack.
    server.prependOnceListener('error', (e) => {
      if (e.code === 'EADDRINUSE') portInUse(opts.host, port);
    });
    return listen(port, opts.host);
  };
  const simApp = server.listeners('request')[0];
  server.removeAllListeners('request');
  server.on('request', frontApp(simApp, opts['api-key']));
  realtimeOnGraphqlPath(server);
  try {
    await simulator.start();
  } catch (e) {
    // The simulator checks the port first ("Port N is already in use. Please kill ...").
    if (/already in use/.test(e.message)) portInUse(opts.host, opts.port);
    throw e;
  }

  const stop = async (code) => {
    // An HTTP server's close waits for idle keep-alive connections (a test's session, a
    // browser tab): drop them, and exit anyway if closing still takes more than 2 s.
    setTimeout(() => process.exit(code), 2000).unref();
    if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
    try {
      await simulator.stop();
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  // Never outlive the launcher, even if it was killed without a chance to stop us.
  if (opts['parent-pid']) {
    const parent = Number(opts['parent-pid']);
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        stop(0);
      }
    }, 1000).unref();
  }
  const base = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${server.address().port}`;
  const realtime = `${base.replace(/^http/, 'ws')}/graphql`;
  const auth = [config.appSync.defaultAuthenticationType, ...config.appSync.additionalAuthenticationProviders]
    .map((p) => p.authenticationType);
  console.log(`READY ${JSON.stringify({ graphql: `${base}/graphql`, realtime, explorer: `${base}/`, stats: `${base}/__stats`, velocity17, auth })}`);
}

// Exit 2: reported in one line (run.py adds nothing); 1: unexpected, with its stack.
main().catch((e) => {
  if (e instanceof StackError) {
    console.error(`local: ${e.message}`);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
});
