// Drives the GraphiQL explorer of a running Tailor in headless Chromium and runs queries in it
// as a person would: `node explorer.mjs http://127.0.0.1:8080/ queries.json`, where
// queries.json is a JSON array of query strings. Every request for a host other than
// 127.0.0.1 or localhost is aborted and reported. Prints one JSON report to stdout:
//
//   {browser, blockedRequests: [url], pageErrors: [message],
//    responses: [{operationName, status, remaining}],   every /graphql answer, in order
//    results: [{query, status, errors, remaining, limit, cost, resetAt, shown}]}
//
// and exits 0. When the explorer cannot be driven it adds {error} to what it saw and exits 1;
// it exits 2 on bad usage.
// puppeteer-core is found next to this file or on NODE_PATH; Chromium at $CHROMIUM
// (default /usr/bin/chromium).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [explorerURL, queriesFile] = process.argv.slice(2);
if (!explorerURL || !queriesFile) {
  console.error('usage: node explorer.mjs <explorer URL> <JSON file of queries>');
  process.exit(2);
}
const queries = JSON.parse(await readFile(queriesFile, 'utf8'));

// An ES module import ignores NODE_PATH; require.resolve honours it.
const require = createRequire(import.meta.url);
const { default: puppeteer } = await import(pathToFileURL(require.resolve('puppeteer-core')).href);

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);
// Schemes that never leave the page (GraphiQL's stylesheet inlines its fonts as data: URLs).
const local = new Set(['data:', 'blob:', 'about:']);
const step = 30_000;

const report = { browser: '', blockedRequests: [], pageErrors: [], responses: [], results: [] };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  report.browser = await browser.version();
  const page = await browser.newPage();
  page.setDefaultTimeout(step);
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (local.has(url.protocol) || loopback.has(url.hostname)) {
      req.continue();
    } else {
      report.blockedRequests.push(req.url());
      req.abort('blockedbyclient');
    }
  });
  page.on('pageerror', (err) => report.pageErrors.push(String(err?.message ?? err)));
  page.on('console', (msg) => {
    // Chromium asks for /favicon.ico on its own; the explorer page names no icon.
    if (msg.type() !== 'error' || msg.location()?.url?.endsWith('/favicon.ico')) return;
    report.pageErrors.push(`console: ${msg.text()} (${msg.location()?.url ?? 'the page'})`);
  });

  const endpoint = new URL('/graphql', explorerURL).href;
  const isGraphQLPost = (res) => res.url() === endpoint && res.request().method() === 'POST';
  page.on('response', (res) => {
    if (!isGraphQLPost(res)) return;
    let operationName = null;
    try {
      operationName = JSON.parse(res.request().postData() ?? '{}').operationName ?? null;
    } catch {}
    report.responses.push({ operationName, status: res.status(), remaining: header(res, 'ratelimit-remaining') });
  });

  await page.goto(explorerURL, { waitUntil: 'load' });
  // GraphiQL 3.9 edits with CodeMirror 5, which hangs its editor instance on the wrapper
  // element: setting the value through it is what a paste does, without the auto-closing
  // brackets that typing would add.
  await page.waitForFunction(() =>
    document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror &&
    document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror &&
    document.querySelector('.graphiql-execute-button'));

  for (const query of queries) {
    await page.evaluate((q) => {
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('');
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
    }, query);
    // GraphiQL reads the operation to run from the editor's parsed document, which it
    // refreshes 100 ms after an edit: run only once it holds this query.
    await page.waitForFunction((q) =>
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.documentAST?.loc?.source?.body === q,
      {}, query);
    const answered = page.waitForResponse((res) => isGraphQLPost(res) && sentQuery(res) === query);
    await page.click('.graphiql-execute-button');
    const res = await answered;
    const text = await res.text();
    let body = {};
    try {
      body = JSON.parse(text);
    } catch {
      body = { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
    }
    // The response pane shows the same JSON the server sent.
    const shown = await page
      .waitForFunction((want) => {
        const got = document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue();
        try {
          return JSON.stringify(JSON.parse(got)) === want;
        } catch {
          return false;
        }
      }, {}, JSON.stringify(body))
      .then(() => true, () => false);
    const cost = body.extensions?.cost ?? {};
    report.results.push({
      query,
      status: res.status(),
      errors: body.errors ?? [],
      remaining: header(res, 'ratelimit-remaining'),
      limit: header(res, 'ratelimit-limit'),
      cost: cost.requested ?? null,
      resetAt: cost.resetAt ?? null,
      shown,
    });
  }
} catch (err) {
  // What was seen up to the failure (a request aborted for leaving loopback, say) explains it.
  report.error = String(err?.stack ?? err);
  process.exitCode = 1;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + '\n');

// header is a numeric response header, or null when it is missing.
function header(res, name) {
  const v = res.headers()[name];
  return v === undefined ? null : Number(v);
}

// sentQuery is the query text of a GraphQL POST.
function sentQuery(res) {
  try {
    return JSON.parse(res.request().postData() ?? '{}').query;
  } catch {
    return undefined;
  }
}
