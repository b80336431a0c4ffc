'use strict';
// Small, targeted fixes to the AppSync simulator where it differs from AppSync. Each patch says
// what AppSync does and what the simulator did.

const sim = require('@aws-amplify/amplify-appsync-simulator');
const { TemplateSentError } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/util/errors');
const { dynamodbUtils } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/util/dynamodb-utils');

const faults = require('./faults');
const stats = require('./stats');

const render = sim.VelocityTemplate.prototype.render;
// 0. AppSync: "The stash is a map that is made available inside each resolver and function
//    mapping template. The same stash instance lives through a single resolver execution"
//    (resolver mapping template context reference, "stash":
//    https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference.html).
//    The simulator gave a unit resolver's response template a new, empty stash; the request
//    template's stash is kept here for it, by the field's resolve info.
const unitStash = new WeakMap();
sim.VelocityTemplate.prototype.render = function patchedRender(values, requestContext, info) {
  const unit = values && values.stash === undefined && info && typeof info === 'object';
  if (unit && ('result' in values || 'error' in values) && unitStash.has(info)) {
    values = { ...values, stash: unitStash.get(info) };
    unitStash.delete(info);
  }
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
  if (unit && !('result' in values || 'error' in values) && out.stash) unitStash.set(info, out.stash);
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
//    number and its isNumber false for every number of a template. ($util.matches: patch 8.)
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

// 6. Velocity 1.7 (the engine AppSync's resolver guides link): "If the RHS is a property or
//    method reference that evaluates to null, it will not be assigned to the LHS" (Velocity 1.7
//    user guide, "#set"; runtime default directive.set.null.allowed=false, whose log line reads
//    "RHS of #set statement is null. Context will not be modified"). velocityjs assigned the
//    null, so a template reusing a variable (`#set($v = $input.a)` ... `#set($v = $input.b)`)
//    passed locally and read the previous value on AppSync. Here the #set is skipped instead.
//    The value is seen where setValue hands it to the value mapper, so its right side (which
//    may have side effects, `$list.add(...)`) is evaluated once, as before.
const { Compile } = require(require.resolve('amplify-velocity-template', {
  paths: [require.resolve('@aws-amplify/amplify-appsync-simulator')],
}));
const NULL_SET = Symbol('#set from null');
const setValue = Compile.prototype.setValue;
Compile.prototype.setValue = function setUnlessNull(ast) {
  if (ast.equal[1].type === 'math') {
    // Arithmetic (patch 9) may have no value: evaluate it once, then let setValue store it.
    const value = this.getExpression(ast.equal[1]);
    if (value === null || value === undefined) return undefined;
    this.getExpression = () => value;
    try {
      return setValue.call(this, ast);
    } finally {
      delete this.getExpression;
    }
  }
  const mapper = this.config.valueMapper;
  this.config.valueMapper = (value, type) => {
    if (value === null || value === undefined) throw NULL_SET;
    return mapper(value, type);
  };
  try {
    return setValue.call(this, ast);
  } catch (e) {
    if (e !== NULL_SET) throw e;
    return undefined;
  } finally {
    this.config.valueMapper = mapper;
  }
};

// 7. AppSync's $util reference (https://docs.aws.amazon.com/appsync/latest/devguide/
//    utility-helpers-in-util.html): "$util.defaultIfNull(Object, Object) : Object Returns the
//    first Object if it is not null. Otherwise, returns second object as a 'default Object'"; a
//    null default stays null. The simulator's default parameter turned a missing (undefined)
//    default into "", so `#set($x = $util.defaultIfNull($a.b, $c.d))` set "" where AppSync sets
//    nothing. "isNullOrBlank(String)" / "defaultIfNullOrBlank(String, String)": a blank string
//    (whitespace only) counts as blank; the simulator treated "  " as not blank.
const text = (value) => (value !== null && value !== undefined && typeof value.toJSON === 'function' ? value.toJSON() : value);
const blank = (value) => value === null || value === undefined || (typeof text(value) === 'string' && text(value).trim() === '');
generalUtils.defaultIfNull = (value, defaultValue) =>
  (value !== null && value !== undefined ? value : (defaultValue === undefined ? null : defaultValue));
generalUtils.isNullOrBlank = (value) => blank(value);
generalUtils.defaultIfNullOrBlank = (value, defaultValue) =>
  (blank(value) ? (defaultValue === undefined ? null : defaultValue) : value);

// 8. Java's String.replace(CharSequence, CharSequence) "replaces each substring of this string
//    that matches the literal target sequence with the specified literal replacement sequence"
//    (Java SE API, java.lang.String#replace); the simulator read the target as a regular
//    expression and the replacement with JavaScript's `$&`/`$1` substitutions ("a.b".replace(".",
//    "-") gave "---"). Our derived attributes are built with .replace("{field}", $value).
//    Whole-string matching: String.matches(regex) and $util.matches, which AppSync's $util
//    reference says "is based on Pattern" (Pattern.matches: the entire input must match); the
//    simulator accepted a match anywhere in the value.
//    Its arguments are CharSequences: Velocity finds no replace(String, Integer), so the call
//    has no value (and a #set from it changes nothing); the simulator converted anything.
const isText = (v) => typeof v === 'string' || v instanceof JavaString;
JavaString.prototype.replace = function literalReplace(target, replacement) {
  if (!isText(target) || !isText(replacement)) return undefined;
  return new JavaString(this.value.split(String(target)).join(String(replacement)));
};
const wholeMatch = (regex, value) => new RegExp(`^(?:${String(regex)})$`).test(String(value));
JavaString.prototype.matches = function matchesWhole(regex) {
  return wholeMatch(regex, this.value);
};
generalUtils.matches = (regex, value) => wholeMatch(regex, value);

// 9. Velocity 1.7 arithmetic and ordering with null: a comparison (<, <=, >, >=) with a null side
//    is false, and arithmetic (+, -, *, /, %) with a null operand, or a division or modulo by
//    zero, has no value (so a #set from it changes nothing, patch 6). velocityjs used
//    JavaScript's coercions: `#if($missing < 1)` was true, `$missing + 1` was 1 and `7 / 0`
//    Infinity. Checked against Debian's velocity 1.7 (tests/local/test_velocity_semantics.py).
//    A string operand of + concatenates as before.
const ORDER = { '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b };
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const isNull = (v) => v === null || v === undefined;
const getExpression = Compile.prototype.getExpression;
Compile.prototype.getExpression = function strictExpression(ast) {
  const op = ast && ast.type === 'math' ? ast.operator : null;
  if (!ORDER[op] && !ARITHMETIC.has(op)) return getExpression.call(this, ast);
  const left = this.getExpression(ast.expression[0]);
  const right = this.getExpression(ast.expression[1]);
  if (ORDER[op]) return !isNull(left) && !isNull(right) && ORDER[op](left, right);
  if (op === '+' && (isText(left) || isText(right))) return `${left}${right}`;
  if (isNull(left) || isNull(right)) return undefined;
  switch (op) {
    case '+': return left + right;
    case '-': return left - right;
    case '*': return left * right;
    default: return Number(right) === 0 ? undefined : (op === '/' ? left / right : left % right);
  }
};

// 10. Velocity 1.7 renders a reference whose value is null as its own text ("$ctx.args.x"), and a
//    quiet reference ($!x) as nothing (user guide, "Quiet Reference Notation"); so on AppSync a
//    nullable value written raw into the JSON a template renders (`"f": $ctx.args.x`) is not
//    `null` but an error ("Unrecognized token '$ctx'"). velocityjs wrote `null` for both.
const { Helper } = require(require.resolve('amplify-velocity-template', {
  paths: [require.resolve('@aws-amplify/amplify-appsync-simulator')],
}));
const getReferences = Compile.prototype.getReferences;
Compile.prototype.getReferences = function nullAsText(ast, isVal) {
  const value = getReferences.call(this, ast, isVal);
  if (!isVal || value !== null) return value;
  return this.silence || ast.leader === '$!' ? '' : Helper.getRefText(ast);
};

// 11. AppSync's service quota "Iterations in a foreach loop in mapping templates: 1000" (AWS
//    General Reference, "AWS AppSync endpoints and quotas":
//    https://docs.aws.amazon.com/general/latest/gr/appsync.html#limits_appsync); AWS's Amplify
//    maintainers name it as the cause of failed list queries over more than 1000 items
//    (aws-amplify/amplify-js#9719, aws-amplify/amplify-cli#9589 and #1496). No page says whether
//    AppSync stops the loop or fails the template, so the template fails (a MappingTemplate
//    error, patch 2), which is never more lenient. The count is per #foreach of a template
//    across one evaluation (an inner loop's iterations add up over its outer loop's), the
//    stricter reading. velocityjs looped without bound.
const FOREACH_QUOTA = 1000;
const renderTemplate = Compile.prototype.render;
Compile.prototype.render = function countedRender(...args) {
  this.foreachIterations = new Map();
  return renderTemplate.apply(this, args);
};
const getBlockEach = Compile.prototype.getBlockEach;
Compile.prototype.getBlockEach = function boundedEach(block) {
  const ast = block[0];
  const render = this._render;
  // The loop's body is rendered once per iteration through _render: count those calls.
  this._render = function countedIteration(...args) {
    const count = (this.foreachIterations.get(ast) || 0) + 1;
    if (count > FOREACH_QUOTA) {
      const line = ast.pos ? ` (line ${ast.pos.first_line})` : '';
      throw new Error(`#foreach($${ast.to}) exceeds AppSync's quota of ${FOREACH_QUOTA} iterations in a foreach loop${line}`);
    }
    this.foreachIterations.set(ast, count);
    this._render = render;
    try {
      return render.apply(this, args);
    } finally {
      this._render = countedIteration;
    }
  };
  try {
    return getBlockEach.call(this, block);
  } finally {
    this._render = render;
  }
};


// 12. A subscription over IAM: the simulator's WebSocket server gave the resolvers no IAM
//     identity (its HTTP path extracts one), so rendering $ctx.identity threw and every IAM
//     subscription failed. AppSync gives a subscription's resolver the subscriber's identity
//     as for any request (resolver mapping template context reference, "identity").
const runner = require('@aws-amplify/amplify-appsync-simulator/lib/utils/graphql-runner/subscriptions');
const authHelpers = require('@aws-amplify/amplify-appsync-simulator/lib/utils/auth-helpers/helpers');

let currentConfig = null;
const initForIam = sim.AmplifyAppSyncSimulator.prototype.init;
sim.AmplifyAppSyncSimulator.prototype.init = function rememberConfig(config) {
  initForIam.call(this, config);
  currentConfig = this.appSyncConfig;
};
const runSubscription = runner.runSubscription;
runner.runSubscription = function withIamIdentity(schema, doc, variables, operationName, context) {
  if (context && context.requestAuthorizationMode === 'AWS_IAM' && !context.iamToken && currentConfig) {
    const authorization = authHelpers.extractHeader(context.headers || {}, 'Authorization');
    context.iamToken = authHelpers.extractIamToken(authorization, currentConfig);
  }
  return runSubscription.call(this, schema, doc, variables, operationName, context);
};

// 13. AWS_LAMBDA authorization, which the simulator does not know (a token that is neither SigV4
//     nor a Cognito/OIDC JWT was "Invalid JWT token"). AppSync calls the authorizer with the
//     Authorization header and admits the request when it answers isAuthorized; its
//     resolverContext becomes $ctx.identity.resolverContext and $util.authType() is "Lambda
//     Authorization" (AppSync developer guide, "AWS_LAMBDA authorization"). The stack's function
//     cannot run here: LOCAL_LAMBDA_AUTHORIZER names a Node module whose `handler(event)` answers
//     synchronously in the same shape; without it, "allow:<principal>" is admitted with
//     resolverContext {principal} and anything else refused (local/README: Authorization).
const currentMode = require('@aws-amplify/amplify-appsync-simulator/lib/utils/auth-helpers/current-auth-mode');
const { map: mapValue } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/mapper');

const localAuthorizer = process.env.LOCAL_LAMBDA_AUTHORIZER
  ? require(require('path').resolve(process.env.LOCAL_LAMBDA_AUTHORIZER)).handler
  : (event) => {
    const m = /^allow:([\w@.:/+=-]{1,256})$/.exec(event.authorizationToken || '');
    return m ? { isAuthorized: true, resolverContext: { principal: m[1] } } : { isAuthorized: false };
  };

function lambdaAnswer(headers) {
  const token = authHelpers.extractHeader(headers || {}, 'Authorization');
  if (!token || token.startsWith('AWS4-HMAC-SHA256')) return null;
  return localAuthorizer({ authorizationToken: token, requestContext: {} }) || { isAuthorized: false };
}

const getAuthorizationMode = currentMode.getAuthorizationMode;
currentMode.getAuthorizationMode = function withLambda(headers, appSyncConfig) {
  try {
    return getAuthorizationMode(headers, appSyncConfig);
  } catch (e) {
    const lambda = authHelpers.getAllowedAuthTypes(appSyncConfig).includes('AWS_LAMBDA')
      && !authHelpers.extractHeader(headers, 'x-api-key') && lambdaAnswer(headers);
    if (!lambda) throw e;
    if (!lambda.isAuthorized) throw new Error('UnauthorizedException: the Lambda authorizer refused the token');
    return 'AWS_LAMBDA';
  }
};

const buildRenderContext = sim.VelocityTemplate.prototype.buildRenderContext;
sim.VelocityTemplate.prototype.buildRenderContext = function withLambdaIdentity(ctxValues, requestContext, info) {
  const out = buildRenderContext.call(this, ctxValues, requestContext, info);
  if (requestContext && requestContext.requestAuthorizationMode === 'AWS_LAMBDA') {
    const answer = lambdaAnswer(requestContext.headers) || {};
    out.context.identity = mapValue({ resolverContext: answer.resolverContext || {} });
    out.util.authType = () => 'Lambda Authorization';
  }
  return out;
};

module.exports = sim;
