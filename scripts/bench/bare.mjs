// The ceiling for `npm run bench`: plain node:http sending captured bytes and headers, 304 on a matching tag.
import fs from 'node:fs';
import http from 'node:http';

const captured = new Map(Object.entries(JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))).map(([k, v]) => [k, { ...v, body: Buffer.from(v.body, 'base64') }]));
const server = http.createServer((req, res) => {
  const hit = captured.get(req.url);
  if (!hit) {
    res.writeHead(404).end();
    return;
  }
  if (req.headers['if-none-match'] === hit.etag) {
    res.writeHead(304, { ETag: hit.etag, 'Cache-Control': hit.cacheControl }).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': hit.contentType, ETag: hit.etag, 'Cache-Control': hit.cacheControl, 'Content-Length': hit.body.length });
  res.end(hit.body);
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(process.argv[3], JSON.stringify({ port: server.address().port, pid: process.pid })));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
