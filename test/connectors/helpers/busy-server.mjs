// A server in its own process whose event loop the test can block: connections made meanwhile wait in its
// accept queue with their requests, as at an overloaded server. POSTs are counted; GETs answer the count.
import { createServer } from 'node:http';

let writes = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST') writes++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ writes }));
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (m) => {
  if (m && typeof m.blockMs === 'number') {
    const until = Date.now() + m.blockMs;
    while (Date.now() < until) {} // busy: accepts and reads nothing
  }
});
process.on('disconnect', () => process.exit(0));
