// A client of /events that never reads (tests/t5110-serve-load-slow.sh): sends
// the request, pauses its socket with a small receive buffer, and stays
// until it is killed.
import net from 'node:net';

const u = new URL(process.argv[2]);
const s = net.connect({ port: Number(u.port), host: u.hostname }, () => {
  s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
  s.pause();
  console.log('connected');
});
s.on('error', () => {});
setInterval(() => {}, 1000);
