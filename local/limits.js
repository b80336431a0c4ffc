'use strict';
// The API's query depth and resolver count limits (aws_appsync_graphql_api query_depth_limit and
// resolver_count_limit), which the simulator does not know. AppSync ("Configuring GraphQL run
// complexity, query depth, and introspection", AppSync Developer Guide; CreateGraphqlApi
// queryDepthLimit/resolverCountLimit in the API reference): depth is the number of nested
// levels of fields in the body of the query (in `{ L1 { L2 { L3 { L4 } } } }` L4 is at depth
// 4), 1-75; the resolver count is how many resolvers one request may invoke, a resolver invoked
// once per list item counting each time, 1-10,000; either produces a limit error when a request
// falls out of bounds. Here the depth is checked before anything runs (nothing is read or
// written), and the resolver that would exceed the count fails instead of running.

const { Kind } = require('graphql');
const { AppSyncUnitResolver } = require('@aws-amplify/amplify-appsync-simulator/lib/resolvers/unit-resolver');
const { AppSyncPipelineResolver } = require('@aws-amplify/amplify-appsync-simulator/lib/resolvers/pipeline-resolver');
const stats = require('./stats');

let limits = { queryDepth: 0, resolverCount: 0 };

function configure({ queryDepth, resolverCount }) {
  limits = { queryDepth: queryDepth || 0, resolverCount: resolverCount || 0 };
}

// The deepest field of the operation(s), named fragments and inline fragments followed.
function depth(document) {
  const fragments = {};
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  }
  const walk = (selectionSet, level, seen) => {
    let most = level;
    for (const s of (selectionSet && selectionSet.selections) || []) {
      if (s.kind === Kind.FIELD) {
        most = Math.max(most, s.selectionSet ? walk(s.selectionSet, level + 1, seen) : level + 1);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        most = Math.max(most, walk(s.selectionSet, level, seen));
      } else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
        const f = fragments[s.name.value];
        if (f) most = Math.max(most, walk(f.selectionSet, level, new Set([...seen, s.name.value])));
      }
    }
    return most;
  };
  return Math.max(0, ...document.definitions
    .filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => walk(d.selectionSet, 0, new Set())));
}

// The error of a request deeper than the limit, or null.
function depthError(document) {
  if (!limits.queryDepth) return null;
  const found = depth(document);
  if (found <= limits.queryDepth) return null;
  return {
    message: `Query depth ${found} exceeds the API's query depth limit of ${limits.queryDepth} `
      + '(query_depth_limit).',
    errorType: 'QueryDepthLimitExceeded',
  };
}

class ResolverCountExceeded extends Error {
  constructor(limit) {
    super(`The request invoked more than ${limit} resolvers, the API's resolver count limit `
      + '(resolver_count_limit).');
    this.errorType = 'ResolverCountLimitExceeded';
  }
}

// Resolver invocations per request, keyed by the request's counter (stats.js).
const invoked = new WeakMap();

// Each resolver invocation counts against its request before it runs.
for (const Resolver of [AppSyncUnitResolver, AppSyncPipelineResolver]) {
  const resolve = Resolver.prototype.resolve;
  Resolver.prototype.resolve = async function countedResolve(...args) {
    const counter = stats.current();
    if (counter && limits.resolverCount) {
      const n = (invoked.get(counter) || 0) + 1;
      invoked.set(counter, n);
      if (n > limits.resolverCount) throw new ResolverCountExceeded(limits.resolverCount);
    }
    return resolve.apply(this, args);
  };
}

module.exports = { configure, depth, depthError };
