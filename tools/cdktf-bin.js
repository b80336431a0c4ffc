'use strict';
// Run by npm after every install (package.json "postinstall", so `make install` too): makes
// node_modules/.bin/cdktf, what `npx cdktf` runs, a launcher that turns cdktf's checkpoint (a
// version check and telemetry sent to checkpoint-api.hashicorp.com) off unless the caller set
// CHECKPOINT_DISABLE itself (set it empty to turn the checkpoint on). cdktf-cli reads only that
// variable (@cdktf/commons, src/environment.js; cdktf.json has no such setting), and on a machine
// without network access the failed call is logged as an [ERROR] line on every command.
// The variable reaches what cdktf starts (the app, terraform) too.
// Usage: node tools/cdktf-bin.js [node_modules directory]
const fs = require('fs');
const path = require('path');

const modules = path.resolve(process.argv[2] || path.join(__dirname, '..', 'node_modules'));
const bin = path.join(modules, '.bin', 'cdktf');
if (!fs.existsSync(path.join(modules, 'cdktf-cli', 'bundle', 'bin', 'cdktf.js'))) {
  console.error(`cdktf-bin: no cdktf-cli in ${modules}; ${bin} left as it is`);
  process.exit(0);
}
// npm linked it into cdktf-cli's own file: replace the link, never write through it.
fs.rmSync(bin, { force: true });
fs.mkdirSync(path.dirname(bin), { recursive: true });
fs.writeFileSync(bin, `#!/usr/bin/env node
// Written by tools/cdktf-bin.js (npm postinstall): cdktf with its checkpoint off by default.
if (process.env.CHECKPOINT_DISABLE === undefined) process.env.CHECKPOINT_DISABLE = '1';
require('../cdktf-cli/bundle/bin/cdktf.js');
`, { mode: 0o755 });
