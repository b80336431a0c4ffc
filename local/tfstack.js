'use strict';
// Reads a synthesized Terraform JSON stack (cdktf output) and builds the AppSync simulator config
// from it, so `make local` serves exactly the schema and VTL that deploy. Only literal values and
// references to resources of the same stack are understood; anything else is a startup error.

const fs = require('fs');

class StackError extends Error {}

// cdktf writes "//" metadata keys next to real arguments; they are never part of a resource.
function resources(stack, type) {
  const found = (stack.resource || {})[type] || {};
  return Object.entries(found).filter(([id]) => id !== '//');
}

// Attributes of other resources that a reference may name, and how to read them.
const REFERENCEABLE = {
  aws_dynamodb_table: { name: (r) => r.name },
  // A user pool the stack creates: locally its id is a fixed one in the stack's region
  // (local/jwt_token.py makes tokens whose issuer names it).
  aws_cognito_user_pool: { id: () => LOCAL_USER_POOL_ID },
  aws_appsync_datasource: { name: (r) => r.name },
  aws_appsync_function: { name: (r) => r.name, function_id: (r) => r.name },
};

// moto's default account id: what local.api_account_id is locally.
const MOTO_ACCOUNT = '123456789012';
const LOCAL_USER_POOL_ID = 'us-east-1_localpool';
const LOCAL_IAM_ACCESS_KEY = 'AKIALOCALCALLER';
const AUTH_MODES = ['API_KEY', 'AWS_IAM', 'AMAZON_COGNITO_USER_POOLS', 'OPENID_CONNECT', 'AWS_LAMBDA'];

// One authorization provider as the simulator takes it, from a Terraform block (the API's own
// arguments for the default mode, an additional_authentication_provider entry otherwise).
function authProvider(type, block, resolve, where) {
  const one = (name) => ((block[name] || [])[0] || block[name] || {});
  const out = { authenticationType: type };
  if (type === 'AMAZON_COGNITO_USER_POOLS') {
    const cfg = one('user_pool_config');
    out.cognitoUserPoolConfig = {
      UserPoolId: resolve(cfg.user_pool_id, `${where}.user_pool_config.user_pool_id`),
      AwsRegion: resolve(cfg.aws_region, `${where}.user_pool_config.aws_region`),
    };
    if (!out.cognitoUserPoolConfig.UserPoolId) throw new StackError(`${where}: AMAZON_COGNITO_USER_POOLS without user_pool_config.user_pool_id`);
  } else if (type === 'OPENID_CONNECT') {
    const cfg = one('openid_connect_config');
    out.openIDConnectConfig = {
      Issuer: resolve(cfg.issuer, `${where}.openid_connect_config.issuer`),
      ClientId: resolve(cfg.client_id, `${where}.openid_connect_config.client_id`),
    };
    if (!out.openIDConnectConfig.Issuer) throw new StackError(`${where}: OPENID_CONNECT without openid_connect_config.issuer`);
  } else if (type === 'AWS_LAMBDA') {
    const cfg = one('lambda_authorizer_config');
    out.lambdaAuthorizerConfig = {
      AuthorizerUri: resolve(cfg.authorizer_uri, `${where}.lambda_authorizer_config.authorizer_uri`),
      AuthorizerResultTtlInSeconds: cfg.authorizer_result_ttl_in_seconds,
    };
  }
  return out;
}

function makeResolver(stack, region) {
  // One pass over the string: `$${` and `%%{` are Terraform's escapes for a literal `${`/`%{`;
  // every other `${...}` must be a reference to a literal attribute of this stack.
  function resolve(value, where) {
    if (typeof value !== 'string') return value;
    return value.replace(/\$\$\{|%%\{|\$\{([^}]*)\}/g, (match, expr) => {
      if (match === '$${') return '${';
      if (match === '%%{') return '%{';
      const local = /^\s*local\.([a-z0-9_]+)\s*$/.exec(expr);
      if (local) return resolveLocal(local[1], where);
      const m = /^\s*([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\s*$/.exec(expr);
      const read = m && REFERENCEABLE[m[1]] && REFERENCEABLE[m[1]][m[3]];
      const target = m && ((stack.resource || {})[m[1]] || {})[m[2]];
      if (!read || !target) {
        throw new StackError(`${where}: cannot resolve \${${expr}} (only ${Object.entries(REFERENCEABLE)
          .map(([t, attrs]) => `${t}.<id>.{${Object.keys(attrs).join(',')}}`)
          .join(', ')} of this stack are known locally)`);
      }
      const out = read(target);
      if (typeof out !== 'string' || out.includes('${')) {
        throw new StackError(`${where}: \${${expr}} is not a literal in the stack (${JSON.stringify(out)})`);
      }
      return out;
    });
  }
  // Locals: the API ARN's parts (modules/ml.py) are known only after apply; locally they are
  // moto's account and the stack's region. Other locals resolve like any other value.
  function resolveLocal(name, where) {
    const known = { api_account_id: MOTO_ACCOUNT, api_partition: 'aws', api_region: region };
    if (known[name] !== undefined) return known[name];
    const value = (stack.locals || {})[name];
    if (value === undefined) throw new StackError(`${where}: unknown local.${name}`);
    return resolve(value, `locals.${name}`);
  }
  return resolve;
}

// aws_appsync_graphql_api.additional_authentication_provider, either a plain list of blocks or
// cdktf's `dynamic` block iterating over a literal `${toset([...])}` (types only).
function additionalAuth(api, where) {
  const out = [...(api.additional_authentication_provider || [])];
  const dyn = (api.dynamic || {}).additional_authentication_provider;
  if (dyn) {
    const m = /^\$\{toset\((\[.*\])\)\}$/s.exec(dyn.for_each || '');
    const content = (dyn.content || {}).authentication_type;
    if (!m || !/^\$\{(each|[a-z_]+)\.value\}$/.test(content || '')) {
      throw new StackError(`${where}.dynamic.additional_authentication_provider: only a literal toset([...]) is supported`);
    }
    out.push(...JSON.parse(m[1]).map((t) => ({ authentication_type: t })));
  }
  return out;
}

// The simulator config (schema, auth, data sources, functions, resolvers, templates).
function buildConfig(stack, { endpoint, region, apiKey }) {
  const resolve = makeResolver(stack, region);
  const apis = resources(stack, 'aws_appsync_graphql_api');
  if (apis.length !== 1) throw new StackError(`expected one aws_appsync_graphql_api, found ${apis.length}`);
  const [apiId, api] = apis[0];
  const where = `aws_appsync_graphql_api.${apiId}`;
  // Every mode the stack enables is served: the default one from the API's own arguments.
  const auth = [
    authProvider(api.authentication_type, api, resolve, where),
    ...additionalAuth(api, where).map((p, i) => authProvider(p.authentication_type, p, resolve,
      `${where}.additional_authentication_provider[${i}]`)),
  ];
  for (const a of auth) {
    if (!AUTH_MODES.includes(a.authenticationType)) throw new StackError(`${where}: authentication type ${a.authenticationType} is not served locally`);
  }

  const templates = [];
  // `label` names the template for people ("Query.getModel request template").
  const template = (path, content, fallback, label) => {
    templates.push({ path, label, content: content === undefined ? fallback : resolve(content, path) });
    return path;
  };

  const dataSources = resources(stack, 'aws_appsync_datasource').map(([id, ds]) => {
    const w = `aws_appsync_datasource.${id}`;
    if (ds.type === 'NONE') return { name: ds.name, type: 'NONE' };
    if (ds.type === 'AMAZON_DYNAMODB') {
      const cfg = ds.dynamodb_config || {};
      return {
        name: ds.name,
        type: 'AMAZON_DYNAMODB',
        config: {
          endpoint,
          region: resolve(cfg.region, `${w}.dynamodb_config.region`) || region,
          tableName: resolve(cfg.table_name, `${w}.dynamodb_config.table_name`),
          // The simulator's loader passes `config` to the SDK client: credentials must be nested.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
      };
    }
    if (ds.type === 'HTTP') {
      // Sent to moto (one port serves every service), signed for the real endpoint.
      const cfg = ds.http_config || {};
      const iam = ((cfg.authorization_config || {}).aws_iam_config) || {};
      // AWS refuses an unsigned SageMaker/Bedrock call (AppSync signs only with
      // authorization_config AWS_IAM: AppSync developer guide, "Invoking AWS services with
      // AppSync HTTP resolvers"); every stack signs, so one that does not is refused here too.
      if (!iam.signing_service_name) {
        throw new StackError(`${w}: http_config.authorization_config.aws_iam_config is missing: `
          + 'AWS refuses unsigned calls');
      }
      // S3 refuses a signature scoped to another service (its credential scope names the
      // service: S3 API Reference, "Authenticating Requests: Using the Authorization Header").
      const host = String(resolve(cfg.endpoint, `${w}.http_config.endpoint`) || '');
      const service = resolve(iam.signing_service_name, `${w}.signing_service_name`);
      if (/^https:\/\/([a-z0-9-]+\.)?s3\.[a-z0-9-]+\.amazonaws\.com$/.test(host) && service !== 's3') {
        throw new StackError(`${w}: an S3 endpoint signed for '${service}': S3 refuses a signature `
          + "whose scope is not 's3'");
      }
      return {
        name: ds.name,
        type: 'HTTP',
        config: {
          endpoint,
          originalEndpoint: resolve(cfg.endpoint, `${w}.http_config.endpoint`),
          signingRegion: resolve(iam.signing_region, `${w}.signing_region`) || region,
          signingService: resolve(iam.signing_service_name, `${w}.signing_service_name`),
        },
      };
    }
    throw new StackError(`${w}: data source type ${ds.type} is not served locally`);
  });

  const functions = resources(stack, 'aws_appsync_function').map(([id, fn]) => {
    const w = `aws_appsync_function.${id}`;
    if (fn.code || fn.runtime) throw new StackError(`${w}: APPSYNC_JS functions are not served locally`);
    return {
      name: fn.name,
      dataSourceName: resolve(fn.data_source, `${w}.data_source`),
      requestMappingTemplateLocation: template(`${w}.request_mapping_template`, fn.request_mapping_template, '{}',
        `function ${fn.name} request template`),
      responseMappingTemplateLocation: template(`${w}.response_mapping_template`, fn.response_mapping_template,
        '$util.toJson($ctx.result)', `function ${fn.name} response template`),
    };
  });

  const resolvers = resources(stack, 'aws_appsync_resolver').map(([id, r]) => {
    const w = `aws_appsync_resolver.${id}`;
    if (r.code || r.runtime) throw new StackError(`${w}: APPSYNC_JS resolvers are not served locally`);
    const kind = r.kind || 'UNIT';
    const out = {
      kind,
      typeName: r.type,
      fieldName: r.field,
      requestMappingTemplateLocation: template(`${w}.request_template`, r.request_template, '{}',
        `${r.type}.${r.field} request template`),
      responseMappingTemplateLocation: template(`${w}.response_template`, r.response_template,
        '$util.toJson($ctx.result)', `${r.type}.${r.field} response template`),
    };
    if (kind === 'PIPELINE') {
      const fns = (r.pipeline_config || {}).functions || [];
      out.functions = fns.map((f, i) => resolve(f, `${w}.pipeline_config.functions[${i}]`));
    } else {
      out.dataSourceName = resolve(r.data_source, `${w}.data_source`);
    }
    return out;
  });

  return {
    schema: { path: `${where}.schema`, content: api.schema },
    appSync: {
      name: api.name,
      apiKey,
      defaultAuthenticationType: auth[0],
      additionalAuthenticationProviders: auth.slice(1),
      // IAM callers (any SigV4 Authorization header; the simulator checks no signature and no
      // IAM policy): this access key is the "authenticated" role, any other the unauthenticated.
      accountId: MOTO_ACCOUNT,
      authAccessKeyId: LOCAL_IAM_ACCESS_KEY,
      authRoleName: 'assumed-role/local-caller/session',
      unAuthRoleName: 'assumed-role/local-unauth/session',
    },
    dataSources,
    functions,
    resolvers,
    mappingTemplates: templates,
  };
}

// The API's query depth and resolver count limits (local/limits.js emulates them); 0 or absent:
// no limit, as on AppSync.
function apiLimits(stack) {
  const [[id, api]] = resources(stack, 'aws_appsync_graphql_api');
  const read = (key) => {
    const value = api[key];
    if (value === undefined || value === null) return 0;
    if (typeof value !== 'number') {
      throw new StackError(`aws_appsync_graphql_api.${id}.${key}: ${JSON.stringify(value)} is not a literal number`);
    }
    return value;
  };
  return { queryDepth: read('query_depth_limit'), resolverCount: read('resolver_count_limit') };
}

function loadStack(path) {
  return JSON.parse(fs.readFileSync(path, 'utf8'));
}

module.exports = { buildConfig, apiLimits, loadStack, StackError, LOCAL_USER_POOL_ID, LOCAL_IAM_ACCESS_KEY };
