// Many SSE clients at once for tests/t5110-serve-load-slow.sh, on plain node:http.
//   node fanout.mjs URL CLIENTS COUNT
// Opens CLIENTS connections to URL, counts the "id: " frames each receives
// and prints one JSON line when every client has COUNT of them (or after
// 120 s): how many finished, the slowest, and whether every client saw the
// ids 1..COUNT in order.
import http from 'node:http';

const [url, clients, want] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
let done = 0, inOrder = true, opened = 0;
const start = Date.now();
const timer = setTimeout(() => report(1), 120000);

function report(code) {
  console.log(JSON.stringify({ clients, opened, done, inOrder, ms: Date.now() - start }));
  process.exit(code);
}

for (let c = 0; c < clients; c++) {
  http.get(url, { agent }, (res) => {
    opened++;
    let next = 1, rest = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const text = rest + chunk;
      const frames = text.split('\n\n');
      rest = frames.pop();
      for (const f of frames) {
        const m = /^id: (\d+)$/m.exec(f);
        if (!m) continue;
        if (Number(m[1]) !== next) inOrder = false;
        next = Number(m[1]) + 1;
        if (next === want + 1) {
          done++;
          res.destroy();
          if (done === clients) { clearTimeout(timer); report(0); }
        }
      }
    });
  }).on('error', () => {});
}
