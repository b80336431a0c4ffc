'use strict';
// The HTTP edge of /graphql as AppSync has it, in front of the simulator, which answered a
// malformed request with an HTML page, a 200 `{errorMessage}` or an Express stack trace.
//
// AppSync's behaviour, as its team stated it (graphql/graphql-over-http#81):
// - POST and GET (?query=&variables=&operationName=) both run queries and mutations;
// - an empty body: 400 {"errors": [{"message": "Request body is empty.",
//   "errorType": "MalformedHttpRequestException"}]};
// - a body that is not a GraphQL request ("meow", "{}", "{}}", "[]"): 400, same errorType,
//   "Unable to parse GraphQL query.";
// - a parsed query that fails validation: 200 with `errors` (the simulator already does that).
// AppSync reads the body as JSON whatever its Content-Type: its own security guide sends
// `curl -H "Content-Type:application/graphql" -d '{"query": ...}'`.

const express = require('express');
const { parse } = require('graphql');

const MAX_BODY = '10mb';
const MALFORMED = 'MalformedHttpRequestException';
const UNPARSABLE = 'Unable to parse GraphQL query.';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function refuse(res, status, message, extra = {}) {
  return res.status(status).json({ errors: [{ message, errorType: MALFORMED, ...extra }] });
}

// Reads the body as text whatever its Content-Type (the simulator's JSON parser then skips it).
const readBody = express.text({ type: () => true, limit: MAX_BODY });

// Turns a GET or POST /graphql into req.body = {query, variables, operationName}, refusing what
// AppSync refuses. A GET is then served as the POST the simulator knows.
function graphqlRequest(req, res, next) {
  let request;
  if (req.method === 'GET') {
    const { query, variables, operationName } = req.query;
    let vars = {};
    if (variables !== undefined) {
      try {
        vars = JSON.parse(variables);
      } catch {
        return refuse(res, 400, 'variables is not JSON.');
      }
    }
    request = { query, variables: vars, operationName };
    req.method = 'POST';
  } else if (req.method === 'POST') {
    const text = typeof req.body === 'string' ? req.body : '';
    if (!text.trim()) return refuse(res, 400, 'Request body is empty.');
    try {
      request = JSON.parse(text);
    } catch {
      return refuse(res, 400, UNPARSABLE);
    }
  } else {
    res.set('Allow', 'GET, POST, OPTIONS');
    return refuse(res, 405, `${req.method} is not supported: send the request as POST (or GET ?query=).`);
  }
  if (!isObject(request) || typeof request.query !== 'string' || !request.query.trim()) {
    return refuse(res, 400, UNPARSABLE);
  }
  if (request.variables != null && !isObject(request.variables)) {
    return refuse(res, 400, 'variables must be a JSON object.');
  }
  if (request.operationName != null && typeof request.operationName !== 'string') {
    return refuse(res, 400, 'operationName must be a string.');
  }
  try {
    parse(request.query);
  } catch (e) {
    return refuse(res, 400, UNPARSABLE, e.locations ? { locations: e.locations } : {});
  }
  req.body = { query: request.query, variables: request.variables || {}, operationName: request.operationName };
  return next();
}

// The simulator answers some requests with {errorMessage} (its catch-all: an operationName the
// document lacks, a subscription sent over HTTP): as a GraphQL error instead.
function asGraphqlError(res, body) {
  if (isObject(body) && typeof body.errorMessage === 'string' && !body.errors && !('data' in body)) {
    res.status(400);
    return { errors: [{ message: body.errorMessage, errorType: MALFORMED }] };
  }
  return body;
}

// Last routes of the app: an unknown path, and any error (a body too large, an unknown charset,
// a bug) as JSON without a stack trace; an unexpected error is logged here with its stack.
function notFound(req, res) {
  res.status(404).json({
    errors: [{ message: `No resource at ${req.method} ${req.path}: GraphQL is POST /graphql.`, errorType: 'NotFound' }],
  });
}

// Four parameters, `next` unused: Express knows an error handler by its arity.
function onError(err, req, res, next) {
  const status = Number(err.status || err.statusCode) || 500;
  if (res.headersSent) return res.end();
  if (status >= 500) {
    console.error('local: error serving', req.method, req.path, err);
    return res.status(500).json({ errors: [{ message: 'Internal error in the local runtime (see its log).', errorType: 'InternalFailure' }] });
  }
  const message = err.type === 'entity.too.large' ? `Request body is larger than ${MAX_BODY.toUpperCase()}.` : err.message;
  return refuse(res, status, message);
}

module.exports = { readBody, graphqlRequest, asGraphqlError, notFound, onError };
