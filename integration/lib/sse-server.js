// A local SSE server for the integration tests (127.0.0.1, an ephemeral port). Routes:
//   /answer            a chat answer in CJK + emoji, `data: {"delta": …}` events then `data: [DONE]`;
//                      every write is cut inside a multi-byte character on purpose.
//   /answer?token=T    the same, but 401 (JSON body) unless the request has `Authorization: Bearer T`.
//   /hold              one event, then the connection stays open (until the client goes or close()).
// Every request is recorded (method, url, headers) in `requests`.
'use strict'
const http = require('node:http')

const ANSWER = ['你好', '，世界！', '流式', '输出 🚀', '完成 ✅ 👩‍💻']

function createSseServer() {
  const requests = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    requests.push({ method: req.method, url: req.url, headers: req.headers })
    req.resume()
    if (url.pathname === '/hold') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' })
      return res.write('data: ' + JSON.stringify({ delta: ANSWER[0] }) + '\n\n')
    }
    if (url.pathname !== '/answer') {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      return res.end('not found')
    }
    const token = url.searchParams.get('token')
    if (token && req.headers.authorization !== 'Bearer ' + token) {
      res.writeHead(401, { 'Content-Type': 'application/json' })
      return res.end(JSON.stringify({ error: { message: '缺少令牌 missing token' } }))
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' })
    const body = Buffer.concat([
      ...ANSWER.map((delta) => Buffer.from('data: ' + JSON.stringify({ delta }) + '\n\n')),
      Buffer.from('data: [DONE]\n\n')
    ])
    // Cut inside characters: 7-byte writes, each on its own tick.
    let offset = 0
    const next = () => {
      if (offset >= body.length) return res.end()
      res.write(body.subarray(offset, offset + 7))
      offset += 7
      setImmediate(next)
    }
    next()
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        origin: 'http://127.0.0.1:' + port,
        requests,
        answer: ANSWER.join(''),
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()) })
      })
    })
  })
}

module.exports = { createSseServer, ANSWER }
