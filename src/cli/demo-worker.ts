/**
 * One worker of `perfmem demo` (started with `--import perfmem/register`): synthetic load of
 * one of a few shapes, so that the dashboard has something to show.
 *   steady   a little CPU and allocation every few milliseconds
 *   alloc    bursts of short-lived garbage: frequent minor collections, a growing old space
 *   io       timers and sockets: many active handles, little CPU
 *   blocker  mostly idle, but every few seconds blocks its event loop for a while
 * It exits when its parent goes away (the IPC channel closes), so no worker outlives the demo.
 */
import { createServer, connect, type Socket } from 'node:net';

const mode = process.argv[2] ?? 'steady';
const retained: unknown[] = [];
const parent = process.ppid;

/** Busy for `ms`; a worker whose demo died meanwhile (it was re-parented) leaves at once, not at the end of its block. */
function burn(ms: number): void {
  const end = Date.now() + ms;
  let x = 0;
  for (let i = 1; Date.now() < end; i++) {
    x += Math.sqrt(x + 1);
    if ((i & 0xfff) === 0 && process.ppid !== parent) process.exit(0);
  }
  if (x < 0) console.log(x);
}

function garbage(count: number, size: number): void {
  let keep: unknown = null;
  for (let i = 0; i < count; i++) keep = { i, data: new Array(size).fill(i), text: `item-${i}` };
  if (Math.random() < 0.05) retained.push(keep);
  if (retained.length > 200) retained.splice(0, 100);
}

switch (mode) {
  case 'steady':
    setInterval(() => { burn(3); garbage(200, 16); }, 20);
    break;
  case 'alloc':
    setInterval(() => garbage(5000, 64), 30);
    break;
  case 'io': {
    const sockets: Socket[] = [];
    const server = createServer((s) => { s.on('data', (d) => s.write(d)); sockets.push(s); });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      for (let i = 0; i < 8; i++) {
        const c = connect(port, '127.0.0.1');
        sockets.push(c);
        setInterval(() => c.write('ping'), 50 + i * 10);
      }
    });
    for (let i = 0; i < 20; i++) setInterval(() => garbage(10, 8), 100 + i);
    break;
  }
  case 'blocker': {
    setInterval(() => garbage(100, 16), 50);
    // Blocks the event loop for 2.5 to 4 s every 8 s: the dashboard flags it "blocked".
    const block = () => {
      burn(2500 + Math.random() * 1500);
      setTimeout(block, 8000);
    };
    setTimeout(block, 3000);
    break;
  }
  default:
    console.error(`demo-worker: unknown mode '${mode}'`);
    process.exit(2);
}

// Leave with the parent: the IPC channel closes when the demo exits, however it exits.
process.on('disconnect', () => process.exit(0));
