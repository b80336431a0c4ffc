'use strict';
// Refuses, at start, a template Apache Velocity 1.7 cannot parse: AppSync parses with 1.7 (its
// resolver guides link the 1.7 user guide; its errors carry 1.7's messages) and fails such a
// resolver on every call, while the simulator's velocityjs accepts it. tools/vtlcheck runs
// Debian's velocity 1.7 over exactly the text the simulator serves (Terraform references resolved).

const path = require('path');
const { spawnSync } = require('child_process');
const { StackError } = require('./tfstack');

const VTLCHECK = path.join(__dirname, '..', 'tools', 'vtlcheck', 'vtlcheck');

// templates: [{path, label, content}]. Returns a warning when the check cannot run; throws a
// StackError listing one "label line:col: message" per template that does not parse.
function checkTemplates(templates) {
  const name = (t) => t.label || t.path;
  const input = templates.map((t) => `${name(t)}\0${t.content}\0`).join('');
  const res = spawnSync(VTLCHECK, ['-'], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Without Java or Debian's velocity the runtime still serves, with a warning on every start,
  // rather than refusing: the check is static (the same text, every call), `make test` runs it
  // again in its Velocity 1.7 tier (which says when it skipped), the Makefile installs the
  // package where it can, and a refusal would leave a machine without root no local API at
  // all. What is dynamic (#set from null, ...) is emulated by local/patches.js regardless.
  if (res.error || res.status === 3) {
    const why = res.error ? res.error.message : res.stderr.trim();
    return `Velocity 1.7 check OFF, templates are not parsed as AppSync parses them: ${why}`;
  }
  if (res.status !== 0 && res.status !== 1) {
    throw new StackError(`the Velocity 1.7 check failed to run (exit ${res.status}): ${res.stderr.trim()}`);
  }
  const failures = res.stdout.split('\n').filter(Boolean);
  if (failures.length) {
    const lines = failures.map((f) => {
      // "label:line:col: message" (a label never holds a colon; a path-like name may not either).
      const m = /^(.*?):(\d+):(\d+): (.*)$/.exec(f);
      return m ? `${m[1]} ${m[2]}:${m[3]}: ${m[4]}` : f;
    });
    throw new StackError(`${failures.length} of ${templates.length} templates do not parse under `
      + `Apache Velocity 1.7 (AppSync would fail them on every call):\n  ${lines.join('\n  ')}`);
  }
  return null;
}

module.exports = { checkTemplates };
