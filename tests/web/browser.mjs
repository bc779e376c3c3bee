// The live graph in real headless Chromium (Debian's, driven by npm
// playwright-core) for tests/t5120-serve-browser.sh.
//   node browser.mjs URL FIFO STAGE1 STAGE2 SCREENSHOT
// Opens the page, writes STAGE1's records into FIFO (the server's input),
// checks the nodes that appear and their colours, writes STAGE2, checks the
// colours change, the MetaGroup boxes and the edges, and saves a screenshot.
// Prints one line per check ("ok - ..." or "FAIL - ..."), like the shell tests.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const require = createRequire(process.env.WEB_PREFIX + '/node_modules/');
const { chromium } = require('playwright-core');

const [url, fifo, stage1, stage2, shot] = process.argv.slice(2);
const FILL = { PENDING: '#dadce0', CREATING: '#8ab4f8', READY: '#81c995', FAILED: '#ee675c',
               SKIPPED: '#f1f3f4' };
let failed = 0;
const check = (cond, name, detail) => {
  console.log(`${cond ? 'ok' : 'FAIL'} - ${name}`);
  if (!cond) { failed++; if (detail) console.error(`  ${detail}`); }
};

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'is-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1500, height: 760 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = fs.openSync(fifo, 'w');
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(url)) external.push(r.url()); });
  await page.goto(url + '/');
  await page.waitForSelector('#conn.live', { timeout: 10000 });
  check(true, 'the page connects to /events');

  const status = (id) => page.$eval(`#nodes g.node[data-id="${id}"]`,
    (g) => ({ status: g.dataset.status, fill: g.querySelector('rect').getAttribute('fill') }))
    .catch(() => null);
  const waitStatus = (id, st) => page.waitForFunction(([i, s]) => {
    const g = document.querySelector(`#nodes g.node[data-id="${i}"]`);
    return g && g.dataset.status === s;
  }, [id, st], { timeout: 10000 }).then(() => true, () => false);

  fs.writeSync(out, fs.readFileSync(stage1));
  const ids1 = fs.readFileSync(stage1, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.type === 'event').map((r) => r.id);
  const pending = ids1.find((id, i) => ids1.indexOf(id) === i && !id.startsWith('MetaGroup/'));
  check(await waitStatus(pending, 'PENDING'), `stage 1: ${pending} appears, PENDING`);
  const n1 = await page.$$eval('#nodes g.node', (a) => a.length);
  check(n1 === new Set(ids1.filter((i) => !i.startsWith('MetaGroup/'))).size,
        `stage 1: one node per resource so far (${n1})`);
  const s1 = await status(pending);
  check(s1 && s1.fill === FILL.PENDING, `stage 1: PENDING is drawn ${FILL.PENDING}`, JSON.stringify(s1));
  const edges1 = await page.$$eval('#edges path', (a) => a.length);
  check(edges1 > 0, `stage 1: edges from deps (${edges1})`);
  await page.screenshot({ path: shot.replace(/\.png$/, '-pending.png'), fullPage: true });

  fs.writeSync(out, fs.readFileSync(stage2));
  const recs = fs.readFileSync(stage1, 'utf8').trim().split('\n')
    .concat(fs.readFileSync(stage2, 'utf8').trim().split('\n')).map((l) => JSON.parse(l));
  const last = new Map();
  recs.filter((r) => r.type === 'event').forEach((r) => last.set(r.id, r.status));
  check(await waitStatus(pending, last.get(pending)),
        `stage 2: ${pending} changes to ${last.get(pending)} without a reload`);
  const s2 = await status(pending);
  check(s2 && s2.fill === FILL[last.get(pending)],
        `stage 2: ${last.get(pending)} is drawn ${FILL[last.get(pending)]}`, JSON.stringify(s2));
  const drawn = await page.$$eval('#nodes g.node', (a) => a.map((g) => [g.dataset.id, g.dataset.status]));
  const wrong = drawn.filter(([id, st]) => last.get(id) !== st);
  check(drawn.length > 0 && wrong.length === 0,
        `stage 2: every node shows its last status (${drawn.length} nodes)`, JSON.stringify(wrong));
  const fills = new Set(await page.$$eval('#nodes g.node rect', (a) => a.map((r) => r.getAttribute('fill'))));
  check(fills.size >= 2, `stage 2: nodes in ${fills.size} colours`);
  const groups = await page.$$eval('#groups g.group', (a) => a.map((g) => g.dataset.id));
  const wantGroups = [...new Set(recs.filter((r) => r.type === 'event' && r.id.startsWith('MetaGroup/'))
    .map((r) => r.id))];
  check(groups.length === wantGroups.length && wantGroups.every((g) => groups.includes(g)),
        `stage 2: a box per MetaGroup (${groups.join(', ')})`);
  const inside = await page.evaluate(() => {
    const box = (el) => el.getBoundingClientRect();
    const bad = [];
    for (const g of document.querySelectorAll('#groups g.group')) {
      const b = box(g.querySelector('rect'));
      const name = g.dataset.id.slice(10);
      for (const n of window.infrastream.nodes.values()) {
        if (n.group !== name) continue;
        const el = document.querySelector(`#nodes g.node[data-id="${n.id}"] rect`);
        const r = el && box(el);
        if (!r || r.left < b.left || r.right > b.right || r.top < b.top || r.bottom > b.bottom)
          bad.push(n.id);
      }
    }
    return bad;
  });
  check(inside.length === 0, 'stage 2: every member is inside its group\'s box', JSON.stringify(inside));
  check(external.length === 0, 'no request leaves the server (no CDN)', external.join(' '));
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 5000, `a screenshot: ${shot}`);
} catch (e) {
  check(false, 'the browser test ran', String(e && e.stack || e));
} finally {
  fs.closeSync(out);
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
