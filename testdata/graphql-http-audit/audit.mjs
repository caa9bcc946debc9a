// Runs the graphql-http package's GraphQL-over-HTTP server audit against a running Tailor
// and prints every audit's outcome: `node audit.mjs http://127.0.0.1:8080/graphql`.
// Exits 1 when an audit fails (MUST) or warns (SHOULD), 2 when the audit cannot run.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}
const fetchFn = (input, init = {}) => fetch(input, { ...init, signal: AbortSignal.timeout(10000) });

async function answer(res) {
  if (!res) return '';
  const body = (await res.clone().text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 160);
  return `HTTP ${res.status} ${res.headers.get('content-type') ?? '-'} ${body}`;
}

let results;
try {
  results = await auditServer({ url, fetchFn });
} catch (err) {
  console.error(`the audit could not run: ${err?.cause?.message ?? err?.message ?? err}`);
  process.exit(2);
}
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status]++;
  if (r.status !== 'ok') {
    console.log(`${r.id} ${r.status.toUpperCase()} ${r.name}\n  reason: ${r.reason}\n  got: ${await answer(r.response)}`);
  }
}
console.log(`${results.length} audits: ${counts.ok} ok, ${counts.error} failed, ${counts.warn} warned, ${counts.notice} notices`);
process.exit(counts.error + counts.warn > 0 ? 1 : 0);
