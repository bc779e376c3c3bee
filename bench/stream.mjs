// Helpers of bench/stream, on plain node (no npm packages):
//   node stream.mjs gen RATE SECONDS     paced event records on stdout, each
//                                        stamped t_ns when it is written
//   node stream.mjs file COUNT           COUNT event records on stdout, t_ns 0
//   node stream.mjs clients URL N WANT TIMEOUT_S
//                                        N SSE clients of URL (HTTP/1.0, raw
//                                        sockets); one JSON line when each has
//                                        WANT records, or at the timeout
//   node stream.mjs stuck URL            one client that never reads
//   node stream.mjs summary FILE...      merges the clients' JSON lines into
//                                        shell assignments
// Times are CLOCK_MONOTONIC (process.hrtime.bigint), the same clock in every
// process of the machine, so a t_ns written by gen can be compared with the
// arrival time in another process.
import fs from 'node:fs';
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint());

// One event record, as is-exec writes them (about 170 bytes); t_ns last.
function record(seq, tns, at) {
  const n = seq >> 1;
  const st = seq & 1 ? 'CREATING' : 'READY';
  return `{"type":"event","run":"bench-stream","seq":${seq},"at":"${at}","id":"Noop/n${n % 1000}",` +
    `"status":"${st}","action":"create","attempt":1,"kind":"Noop","elapsed_ms":0,"t_ns":${tns}}\n`;
}

function writeAll(buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

if (mode === 'gen') {
  // Every wake (about each millisecond) writes the records due by now, in one
  // write, all stamped with the time just before it.
  const rate = Number(args[0]), total = Math.round(rate * Number(args[1]));
  let seq = 0, writes = 0, maxBatch = 0, maxGapNs = 0, last = 0;
  const t0 = now();
  const tick = () => {
    const t = now();
    if (last) maxGapNs = Math.max(maxGapNs, t - last);
    last = t;
    const due = Math.min(total, Math.floor(((t - t0) / 1e9) * rate) + 1);
    if (due > seq) {
      const at = new Date().toISOString();
      let s = '';
      maxBatch = Math.max(maxBatch, due - seq);
      const stamp = now();
      for (; seq < due; seq++) s += record(seq + 1, stamp, at);
      writeAll(Buffer.from(s));
      writes++;
    }
    if (seq < total) setTimeout(tick, 1);
    else {
      const secs = (now() - t0) / 1e9;
      process.stderr.write(JSON.stringify({ records: seq, seconds: +secs.toFixed(3),
        rate: Math.round(seq / secs), writes, maxBatch, maxGapMs: +(maxGapNs / 1e6).toFixed(2) }) + '\n');
    }
  };
  tick();
} else if (mode === 'file') {
  const count = Number(args[0]);
  const at = new Date().toISOString();
  let s = '';
  for (let i = 1; i <= count; i++) {
    s += record(i, 0, at);
    if (s.length > 1 << 20) { writeAll(Buffer.from(s)); s = ''; }
  }
  writeAll(Buffer.from(s));
} else if (mode === 'clients') {
  const u = new URL(args[0]);
  const n = Number(args[1]), want = Number(args[2]), timeout = Number(args[3]) * 1000;
  // Latency histogram: 0.1 ms bins up to 60 s, then one overflow bin.
  const BIN = 100000, BINS = 600000;
  const hist = new Uint32Array(BINS + 1);
  let maxNs = 0, samples = 0, opened = 0, done = 0, closed = 0, records = 0;
  let firstAt = 0, lastAt = 0, cpu0 = null;
  // Event-loop lag: how late a 5 ms interval timer fires, while records come.
  const LAG = 5e6, lags = [];
  let lagPrev = 0;
  const lagTimer = setInterval(() => {
    const t = now();
    if (firstAt && lagPrev) lags.push(Math.max(0, t - lagPrev - LAG));
    lagPrev = t;
  }, LAG / 1e6);
  const key = Buffer.from('"t_ns":');
  const sockets = [];
  const finish = (code) => {
    clearInterval(lagTimer);
    lags.sort((a, b) => a - b);
    const lagP99 = lags.length ? lags[Math.min(lags.length - 1, Math.floor(0.99 * lags.length))] : 0;
    const lagMax = lags.length ? lags[lags.length - 1] : 0;
    const cpu = cpu0 ? process.cpuUsage(cpu0) : { user: 0, system: 0 };
    const sparse = [];
    for (let i = 0; i <= BINS; i++) if (hist[i]) sparse.push([i, hist[i]]);
    const wallMs = (lastAt - firstAt) / 1e6;
    process.stdout.write(JSON.stringify({ clients: n, opened, done, closed, records, samples,
      maxNs, binNs: BIN, hist: sparse, wallMs: +wallMs.toFixed(1),
      cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1),
      eldP99Ms: +(lagP99 / 1e6).toFixed(2), eldMaxMs: +(lagMax / 1e6).toFixed(2) }) + '\n');
    for (const s of sockets) s.destroy();
    process.exit(code);
  };
  const timer = setTimeout(() => finish(1), timeout);
  const check = () => { if (done + closed === n) { clearTimeout(timer); finish(0); } };
  for (let c = 0; c < n; c++) {
    let got = 0, tail = null, finished = false;
    const s = net.connect({ port: Number(u.port), host: u.hostname }, () => {
      opened++;
      s.write(`GET ${u.pathname} HTTP/1.0\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    sockets.push(s);
    s.on('data', (chunk) => {
      const t = now();
      if (!firstAt) { firstAt = t; cpu0 = process.cpuUsage(); }
      lastAt = t;
      const buf = tail ? Buffer.concat([tail, chunk]) : chunk;
      // Whole frames only; the rest waits for the next chunk.
      const end = buf.lastIndexOf('\n\n');
      if (end < 0) { tail = buf; return; }
      tail = end + 2 < buf.length ? Buffer.from(buf.subarray(end + 2)) : null;
      let p = buf.indexOf(key, 0);
      while (p >= 0 && p < end) {
        let i = p + key.length, v = 0, ch;
        while ((ch = buf[i]) >= 48 && ch <= 57) { v = v * 10 + (ch - 48); i++; }
        got++;
        if (v > 0) {
          const d = t - v;
          const b = d < 0 ? 0 : Math.floor(d / BIN);
          hist[b < BINS ? b : BINS]++;
          if (d > maxNs) maxNs = d;
          samples++;
        }
        p = buf.indexOf(key, i);
      }
      if (got >= want && !finished) {
        finished = true;
        records += got;
        done++;
        s.destroy();
        check();
      }
    });
    const gone = () => {
      if (finished) return;
      finished = true;
      records += got;
      closed++;
      check();
    };
    s.on('close', gone);
    s.on('error', () => {});
  }
} else if (mode === 'stuck') {
  const u = new URL(args[0]);
  const s = net.connect({ port: Number(u.port), host: u.hostname }, () => {
    s.write(`GET ${u.pathname} HTTP/1.0\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
    s.pause();
  });
  s.on('error', () => {});
  setInterval(() => {}, 1000);
} else if (mode === 'summary') {
  let hist = new Map(), binNs = 0, maxNs = 0, samples = 0, opened = 0, done = 0, closed = 0;
  let records = 0, cpuMax = 0, eldP99 = 0, eldMax = 0, procs = 0;
  for (const f of args) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line);
      procs++;
      binNs = r.binNs;
      maxNs = Math.max(maxNs, r.maxNs);
      samples += r.samples; opened += r.opened; done += r.done; closed += r.closed;
      records += r.records;
      if (r.wallMs > 0) cpuMax = Math.max(cpuMax, (100 * r.cpuMs) / r.wallMs);
      eldP99 = Math.max(eldP99, r.eldP99Ms); eldMax = Math.max(eldMax, r.eldMaxMs);
      for (const [b, c] of r.hist) hist.set(b, (hist.get(b) || 0) + c);
    }
  }
  const bins = [...hist.keys()].sort((a, b) => a - b);
  const pct = (q) => {
    const target = Math.ceil(q * samples);
    let acc = 0;
    for (const b of bins) { acc += hist.get(b); if (acc >= target) return ((b + 1) * binNs) / 1e6; }
    return NaN;
  };
  const out = { procs, opened, done, closed, records, samples,
    p50: pct(0.5).toFixed(2), p99: pct(0.99).toFixed(2), p999: pct(0.999).toFixed(2),
    max: (maxNs / 1e6).toFixed(2), cpu_max: cpuMax.toFixed(0),
    eld_p99: eldP99.toFixed(1), eld_max: eldMax.toFixed(1) };
  for (const [k, v] of Object.entries(out)) console.log(`${k}=${v}`);
} else {
  process.stderr.write('usage: stream.mjs gen|file|clients|stuck|summary ...\n');
  process.exit(2);
}
