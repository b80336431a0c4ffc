'use strict';
// Small, targeted fixes to the AppSync simulator where it differs from AppSync. Each patch says
// what AppSync does and what the simulator did.

const sim = require('@aws-amplify/amplify-appsync-simulator');
const { TemplateSentError } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/util/errors');
const { dynamodbUtils } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/util/dynamodb-utils');

const faults = require('./faults');
const stats = require('./stats');

const render = sim.VelocityTemplate.prototype.render;
sim.VelocityTemplate.prototype.render = function patchedRender(values, requestContext, info) {
  // The request's fault-injection header (faults.js) is read before its first template runs.
  faults.fromHeaders(requestContext && requestContext.headers);
  // 1. AppSync hands a failed TransactWriteItems both $ctx.error and $ctx.result (the
  //    cancellation reasons), and an incomplete batch both its error and the partial result
  //    (data + unprocessedKeys/unprocessedItems: "Tutorial: DynamoDB batch resolvers", Error
  //    handling); the simulator passes only the error, so the loader hangs the result on it
  //    and it is put back here.
  if (values && values.error && values.error.appsyncResult !== undefined && values.result == null) {
    values = { ...values, result: values.error.appsyncResult };
  }
  // 2. A template that throws (a bad method call, a marshalling failure) made the simulator
  //    resolve the field to null with no error at all; AppSync reports a MappingTemplate error.
  if (!this.compiler.patchedRender) {
    const compilerRender = this.compiler.render.bind(this.compiler);
    this.compiler.render = (ctx) => {
      this.lastException = null;
      try {
        return compilerRender(ctx);
      } catch (e) {
        this.lastException = e;
        throw e;
      }
    };
    this.compiler.patchedRender = true;
  }
  const out = render.call(this, values, requestContext, info);
  // Which $util.error fired, by template and line (the engine names the call's position when
  // the error stops the template): tests check every site of the stack ran (stats.js).
  const site = this.lastException && /\$util\.error\([\s\S]*? at L\/N (\d+):\d+/.exec(this.lastException.message);
  if (out.hadException && site && this.template) {
    const sent = out.errors[out.errors.length - 1];
    stats.recordErrorSite(this.template.path, Number(site[1]), sent && sent.errorType);
  }
  if (out.hadException && out.errors.length === 0 && this.lastException) {
    const where = this.template && this.template.path ? ` in ${this.template.path}` : '';
    out.errors = [new TemplateSentError(`${this.lastException.message}${where}`, 'MappingTemplate', null, null, info)];
  }
  return out;
};

// 3. A null or missing value: AppSync's $util.dynamodb.toDynamoDB (and toMapValues...) gives
//    {"NULL": true}; the simulator threw on `undefined` (an argument the query left out).
const toDynamoDB = dynamodbUtils.toDynamoDB;
dynamodbUtils.toDynamoDB = function patchedToDynamoDB(value) {
  return toDynamoDB.call(this, value === undefined ? null : value);
};

// 3b. AppSync's $util.dynamodb.* marshal a number as DynamoDB's N whatever its size, and reads
//    any N DynamoDB holds; the simulator's (un)marshaller (@aws-sdk/util-dynamodb) threw on an
//    integer beyond 2^53 ("Use NumberValue", "can't be converted to BigInt"), failures AppSync
//    does not have. Non-finite values still throw: DynamoDB refuses them too ("Number overflow").
const marshalling = require(require.resolve('@aws-sdk/util-dynamodb', {
  paths: [require.resolve('@aws-amplify/amplify-appsync-simulator')],
}));
const marshall = marshalling.marshall;
marshalling.marshall = (data, options) => marshall(data, { ...options, allowImpreciseNumbers: true });
const unmarshall = marshalling.unmarshall;
marshalling.unmarshall = (data, options) => unmarshall(data, { wrapNumbers: Number, ...options });

// 3c. Type checks as AppSync's Java values answer them ($util reference, "Type checks":
//    https://docs.aws.amazon.com/appsync/latest/devguide/utility-helpers-in-util.html). The
//    simulator wraps strings and numbers in objects, so its isMap said true for a string or a
//    number and its isNumber false for every number of a template. $util.matches follows
//    java.util.regex.Pattern.matches: the whole value must match (the simulator searched in it).
const { generalUtils } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/util/general-utils');
const { JavaString } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/string');
const { JavaInteger } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/integer');
const { JavaDecimal } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/decimal');
const { JavaArray } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/array');
const isNumber = (v) => typeof v === 'number' || v instanceof JavaInteger || v instanceof JavaDecimal;
const isScalar = (v) => isNumber(v) || typeof v === 'string' || typeof v === 'boolean' || v instanceof JavaString;
Object.assign(generalUtils, {
  isNumber,
  isMap: (v) => v != null && typeof v === 'object' && !isScalar(v) && !Array.isArray(v) && !(v instanceof JavaArray),
  typeOf(v) {
    if (v === null || v === undefined) return 'Null';
    if (this.isList(v)) return 'List';
    if (isNumber(v)) return 'Number';
    if (typeof v === 'string' || v instanceof JavaString) return 'String';
    if (typeof v === 'boolean') return 'Boolean';
    return this.isMap(v) ? 'Map' : 'Object';
  },
  matches: (pattern, value) => new RegExp(`^(?:${pattern})$`).test(String(value)),
});

// 4. Java compares map keys with equals(): $seen.put($s, true) then $seen.containsKey($s2)
//    is true for equal strings. The simulator keyed its Map by its string wrapper objects, so
//    two equal strings from different places were different keys (a dedupe by map never hit).
const { JavaMap } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/map');
const plainKey = (key) => (key && typeof key.toJSON === 'function' ? key.toJSON() : key);
for (const name of ['containsKey', 'put', 'remove', 'get']) {
  const original = JavaMap.prototype[name];
  JavaMap.prototype[name] = function keyedByValue(key, ...rest) {
    return original.call(this, plainKey(key), ...rest);
  };
}

// 5. AppSync delivers a mutation's result only to subscriptions whose arguments all equal the
//    result's fields of those names (an argument left out does not filter). The simulator
//    built its filter without the arguments, so every subscriber got every result.
const { withFilter } = require(require.resolve('graphql-subscriptions', {
  paths: [require.resolve('@aws-amplify/amplify-appsync-simulator')],
}));
const argumentsMatch = (payload, args) =>
  payload != null && Object.entries(args || {}).every(([k, v]) => (payload[k] ?? null) === (v ?? null));
const init = sim.AmplifyAppSyncSimulator.prototype.init;
sim.AmplifyAppSyncSimulator.prototype.init = function patchedInit(config) {
  init.call(this, config);
  const subscription = this._schema && this._schema.getSubscriptionType();
  for (const field of Object.values(subscription ? subscription.getFields() : {})) {
    if (field.subscribe && !field.subscribe.byArguments) {
      field.subscribe = Object.assign(withFilter(field.subscribe, argumentsMatch), { byArguments: true });
    }
  }
};

module.exports = sim;
