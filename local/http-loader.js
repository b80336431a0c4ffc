'use strict';
// An HTTP data-source loader for the AppSync simulator, which has none. Like AppSync it signs the
// request with SigV4 for the data source's signing service and region (fake local credentials),
// keeps the real endpoint's Host header (moto routes by it: api.sagemaker, runtime.sagemaker,
// bedrock-runtime), sends it to moto on loopback, and answers {statusCode, headers, body}.
// Calls moto gets wrong go through sagemaker-filler.js. Every call is counted per GraphQL
// request (stats.recordHttp -> extensions.http).

const http = require('http');
const crypto = require('crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const stats = require('./stats');
const filler = require('./sagemaker-filler');
const faults = require('./faults');

// AppSync gives up on a data source after the resolver's time; locally: LOCAL_HTTP_TIMEOUT_MS.
const TIMEOUT_MS = Number(process.env.LOCAL_HTTP_TIMEOUT_MS || 25000);

// The API action of a call, as fault rules name it (faults.js).
function actionOf(target, resourcePath, service, method) {
  if (service === 's3') return method === 'PUT' ? 'PutObject' : null;
  if (target) return target.replace(/^SageMaker\./, '');
  if (/^\/endpoints\/[^/]+\/invocations/.test(resourcePath || '')) return 'InvokeEndpoint';
  if (/^\/model\/[^/]+\/invoke/.test(resourcePath || '')) return 'InvokeModel';
  return null;
}

// An injected error answer in the service's own shape: the SageMaker control plane (AWS JSON
// 1.1) puts the error code in `__type`; SageMaker runtime and Bedrock (REST JSON) in the
// X-Amzn-ErrorType header beside {"message"} (SageMaker / Bedrock API references, "Common Errors").
const ERROR_CODES = {
  400: 'ValidationException', 403: 'AccessDeniedException', 404: 'ResourceNotFound', 424: 'ModelError',
  429: 'ThrottlingException', 500: 'InternalFailure', 503: 'ServiceUnavailable',
};
// S3 answers errors in XML, <Error><Code/><Message/></Error> (S3 API Reference, "Error responses").
const S3_ERROR_CODES = { 400: 'InvalidRequest', 403: 'AccessDenied', 404: 'NoSuchBucket', 500: 'InternalError', 503: 'SlowDown' };
function s3Error(status, code, message) {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}
function faultAnswer(status, jsonProtocol, service) {
  if (service === 's3') {
    const code = S3_ERROR_CODES[status] || `HTTP${status}`;
    return s3Error(status, code, `${code} (local fault injection)`);
  }
  const code = ERROR_CODES[status] || `HTTP${status}`;
  const message = `${code} (local fault injection)`;
  const headers = { 'content-type': jsonProtocol ? 'application/x-amz-json-1.1' : 'application/json' };
  if (!jsonProtocol) headers['x-amzn-errortype'] = code;
  return { statusCode: status, headers, body: JSON.stringify(jsonProtocol ? { __type: code, message } : { message }) };
}

class Sha256 {
  constructor(secret) {
    this.hash = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

class LocalHttpLoader {
  constructor(dsConfig) {
    const c = dsConfig.config || {};
    if (!c.endpoint || !c.originalEndpoint) throw new Error(`Invalid HTTP data source ${dsConfig.name}`);
    this.name = dsConfig.name;
    this.target = new URL(c.endpoint); // moto
    this.original = new URL(c.originalEndpoint);
    this.service = c.signingService;
    this.signer = new SignatureV4({
      service: c.signingService,
      region: c.signingRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      sha256: Sha256,
      // AppSync's documentation does not say its signer adds x-amz-content-sha256, so this one
      // adds it for no S3 request either: the template must send it (checked in load()).
      applyChecksum: c.signingService !== 's3',
    });
  }

  async send(method, path, headers, body) {
    const request = {
      method,
      protocol: 'https:',
      hostname: this.original.host,
      path,
      headers: { ...headers, host: this.original.host },
      body,
    };
    const signed = await this.signer.sign(request);
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: this.target.hostname,
        port: this.target.port,
        method,
        path,
        headers: signed.headers,
        timeout: TIMEOUT_MS,
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('timeout', () => req.destroy(this.timedOut()));
      req.on('error', reject);
      req.end(body);
    });
  }

  timedOut() {
    return new Error(`${this.name}: no answer within ${TIMEOUT_MS} ms (timed out)`);
  }

  async load(payload) {
    const params = payload.params || {};
    const headers = { ...(params.headers || {}) };
    const query = new URLSearchParams(params.query || {}).toString();
    const path = `${payload.resourcePath || '/'}${query ? `?${query}` : ''}`;
    // AppSync takes the body as a string, or as JSON it serializes itself.
    const raw = params.body === undefined || params.body === null ? '' : params.body;
    const body = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const target = headers['X-Amz-Target'] || headers['x-amz-target'];
    const call = this.service === 's3' ? `${payload.method} /{key}`
      : target || `${payload.method} ${payload.resourcePath}`.replace(/\/(endpoints|model)\/[^/]+\//, '/$1/{name}/');
    let servedBy = 'moto';
    try {
      const fault = faults.match('http', actionOf(target, payload.resourcePath, this.service, payload.method));
      if (fault && fault.effect === 'lost') {
        // The service acts on the call, but its answer never reaches AppSync (a timeout after
        // SageMaker accepted): what the caller saw and what the service did now differ.
        await this.answer(payload, path, headers, body, target);
        servedBy = 'fault';
        throw this.timedOut();
      }
      if (fault) {
        servedBy = 'fault';
        if (fault.effect === 'timeout') throw this.timedOut();
        return faultAnswer(Number(fault.effect), Boolean(target), this.service);
      }
      const answered = await this.answer(payload, path, headers, body, target);
      servedBy = answered.servedBy;
      return answered.response;
    } catch (e) {
      if (e.type === 'LocalFaults') throw e;
      if (servedBy !== 'fault') servedBy = 'none';
      const err = new Error(e.message);
      err.type = 'HTTP:RequestFailed';
      err.extensions = { message: err.message, errorType: err.type };
      throw err;
    } finally {
      stats.recordHttp(this.name, call, servedBy);
    }
  }

  // The service's answer ({servedBy, response}): S3's own refusal, the filler's, or moto's.
  async answer(payload, path, headers, body, target) {
    // S3 refuses a SigV4 request without x-amz-content-sha256 (S3 API Reference, "Common
    // Request Headers"; "Signature Calculations for the Authorization Header"); moto does not
    // check it, so the refusal is S3's, here.
    if (this.service === 's3' && !Object.keys(headers).some((h) => h.toLowerCase() === 'x-amz-content-sha256')) {
      return { servedBy: 'local', response: s3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256') };
    }
    const forward = (t, b) => this.send(payload.method, path, { ...headers, 'X-Amz-Target': t }, b);
    const filled = await filler.fill({ service: this.service, target, body, forward, path: payload.resourcePath });
    if (filled) return filled;
    return { servedBy: 'moto', response: await this.send(payload.method, path, headers, body) };
  }
}

module.exports = { LocalHttpLoader };
