'use strict';
// Headless Chromium drives the explorer: types a query, runs it, reads the result pane; with
// DOCS_TEXT, also opens the docs panel at the Query type and reads it.
// Usage: node explorer_check.js EXPLORER_URL USER_DATA_DIR QUERY EXPECTED_TEXT [DOCS_TEXT]
// Prints one JSON line {ok, result, docs, offHostRequests}; exit code 0 only when ok.

const { chromium } = require('playwright-core');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main() {
  const [url, userDataDir, query, expected, docsText] = process.argv.slice(2);
  const host = new URL(url).host;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
  });
  const offHost = [];
  let ok = false;
  let result = '';
  let docs = '';
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol.startsWith('http') && u.host !== host) offHost.push(r.url());
    });
    // The explorer introspects the schema first: wait for that answer before typing.
    const introspection = page.waitForResponse((r) => r.url().endsWith('/graphql'), { timeout: 30000 });
    await page.goto(url);
    await introspection;
    await page.click('.query-editor .CodeMirror');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(query);
    // GraphiQL takes the editor's text into its state asynchronously: a run right after typing
    // may still send the previous text, so run again until the answer shows the expected text.
    for (let attempt = 1; ; attempt += 1) {
      await page.keyboard.press('Escape'); // closes an autocomplete hint, if one is open
      const answer = page.waitForResponse((r) => r.url().endsWith('/graphql'), { timeout: 30000 });
      await page.click('.execute-button');
      await answer;
      const shown = await page.waitForFunction((text) => document.querySelector('.result-window')?.innerText.includes(text),
        expected, { timeout: 2000 }).then(() => true, () => false);
      if (shown) break;
      if (attempt === 10) throw new Error(`the result pane never showed ${expected}`);
    }
    result = await page.innerText('.result-window');
    if (docsText) {
      // The docs panel renders the introspected descriptions: root types, then a type's own.
      await page.click('.docExplorerShow');
      await page.click('.doc-explorer .doc-explorer-contents a.type-name:text-is("Query")');
      const shown = await page.waitForFunction((text) => document.querySelector('.doc-explorer .doc-explorer-contents')?.innerText.includes(text),
        docsText, { timeout: 10000 }).then(() => true, () => false);
      docs = await page.innerText('.doc-explorer .doc-explorer-contents');
      if (!shown) throw new Error(`the docs panel never showed ${docsText}: it shows ${docs}`);
    }
    ok = offHost.length === 0;
  } catch (e) {
    if (process.env.EXPLORER_SCREENSHOT) await context.pages()[0].screenshot({ path: process.env.EXPLORER_SCREENSHOT });
    throw e;
  } finally {
    await context.close();
  }
  console.log(JSON.stringify({ ok, result, docs, offHostRequests: offHost }));
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.log(JSON.stringify({ ok: false, error: String(e && e.stack || e) }));
  process.exit(1);
});
