// Child process of bench/viewer.ts: opens N viewer connections subscribed to everything, prints "ready" once each
// has a frame, and on SIGTERM prints the frames and messages received as one JSON line.
import WebSocket from 'ws';

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
let frames = 0;
let messages = 0;
let ready = 0;
const sockets = Array.from({ length: count }, () => {
  const ws = new WebSocket(url!);
  let first = true;
  ws.on('open', () =>
    ws.send(JSON.stringify({ type: 'subscribe', streams: ['frames', 'metrics', 'adaptation'] })),
  );
  ws.on('message', (_data, isBinary) => {
    if (!isBinary) {
      messages++;
      return;
    }
    frames++;
    if (first) {
      first = false;
      if (++ready === count) process.stdout.write('ready\n');
    }
  });
  ws.on('error', (error) => process.stderr.write(`client: ${error.message}\n`));
  return ws;
});
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  process.stdout.write(`${JSON.stringify({ frames, messages })}\n`);
  process.exit(0);
});
