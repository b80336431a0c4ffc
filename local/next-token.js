'use strict';
// nextToken as AppSync hands it out: opaque (a client cannot read or build a DynamoDB key from
// it) and tamper-evident (a garbled or forged token is refused, never sent to DynamoDB).
// A token is base64 of: version, 12-byte IV, 16-byte GCM tag, AES-256-GCM of the JSON key.
//
// AppSync refuses such a token with errorType DynamoDB:UserIllegalArgumentException and the
// message below (seen in real reports: aws-amplify/amplify-cli#3411, amplify-js#4880). The
// loader turns the error's name into that errorType (appsyncError in dynamodb-loader.js).

const crypto = require('crypto');

const VERSION = Buffer.from('t1');
const IV = 12;
const TAG = 16;

// run.py passes LOCAL_TOKEN_KEY (64 hex digits) kept in LOCAL_DATA_DIR, so tokens survive a
// restart as the data does; without it, tokens live as long as this process.
function tokenKey(hex = process.env.LOCAL_TOKEN_KEY) {
  if (!hex) return crypto.randomBytes(32);
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('LOCAL_TOKEN_KEY must be 64 hex digits');
  return Buffer.from(hex, 'hex');
}

const KEY = tokenKey();

function invalidToken() {
  const e = new Error('com.amazonaws.deepdish.common.pagination.InvalidPaginationTokenException: '
    + 'Invalid pagination token given.');
  e.name = 'UserIllegalArgumentException';
  return e;
}

// DynamoDB's LastEvaluatedKey (attribute-value map) -> token; no key (last page) -> null.
function encodeToken(key, secret = KEY) {
  if (!key) return null;
  const iv = crypto.randomBytes(IV);
  const cipher = crypto.createCipheriv('aes-256-gcm', secret, iv);
  cipher.setAAD(VERSION);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(key), 'utf8'), cipher.final()]);
  return Buffer.concat([VERSION, iv, cipher.getAuthTag(), sealed]).toString('base64');
}

// Token -> ExclusiveStartKey; null/absent -> start at the beginning. Anything this runtime did
// not issue (garbled, edited, forged, from another key) throws invalidToken().
function decodeToken(token, secret = KEY) {
  if (token === null || token === undefined) return undefined;
  if (typeof token !== 'string') throw invalidToken();
  const raw = Buffer.from(token, 'base64');
  // Buffer.from skips characters that are not base64: only its canonical text is a token.
  if (raw.toString('base64') !== token || raw.length <= VERSION.length + IV + TAG
      || !raw.subarray(0, VERSION.length).equals(VERSION)) {
    throw invalidToken();
  }
  const ivEnd = VERSION.length + IV;
  const decipher = crypto.createDecipheriv('aes-256-gcm', secret, raw.subarray(VERSION.length, ivEnd));
  decipher.setAAD(VERSION);
  decipher.setAuthTag(raw.subarray(ivEnd, ivEnd + TAG));
  let key;
  try {
    const plain = Buffer.concat([decipher.update(raw.subarray(ivEnd + TAG)), decipher.final()]);
    key = JSON.parse(plain.toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw invalidToken();
  return key;
}

module.exports = { encodeToken, decodeToken, tokenKey };
