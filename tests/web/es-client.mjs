// An SSE client on npm eventsource@4.1.1 for tests/t5100-serve-sse-slow.sh.
//   node es-client.mjs URL COUNT [LAST_EVENT_ID]
// Reads COUNT messages from URL (sending Last-Event-ID when given, as a
// reconnecting EventSource would), then prints one JSON line: the ids seen,
// whether they were consecutive, and the records' types; exits 1 after 20 s
// without them.
import { createRequire } from 'node:module';
const require = createRequire(process.env.WEB_PREFIX + '/node_modules/');
const { EventSource } = require('eventsource');

const [url, want, last] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const init = last ? {
  fetch: (input, opts) => fetch(input, { ...opts, headers: { ...opts.headers, 'Last-Event-ID': last } })
} : {};
const es = new EventSource(url, init);
const ids = [], types = {};
let opened = false;
const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: 'timeout', opened, count: ids.length, first: ids[0], last: ids.at(-1) }));
  process.exit(1);
}, 20000);
es.onopen = () => { opened = true; };
es.onmessage = (m) => {
  ids.push(Number(m.lastEventId));
  const r = JSON.parse(m.data);
  types[r.type] = (types[r.type] || 0) + 1;
  if (ids.length === want) {
    clearTimeout(timer);
    es.close();
    const consecutive = ids.every((id, i) => i === 0 || id === ids[i - 1] + 1);
    console.log(JSON.stringify({ opened, count: ids.length, first: ids[0], last: ids.at(-1), consecutive, types }));
  }
};
