'use strict'
/**
 * A small OpenAI-compatible SSE server that streams a fixed text (e.g. a 20,000-character
 * markdown answer) in pieces of `piece` code points every `everyMs` ms, then `[DONE]`.
 * For the page's rendering and setData measurements; the resume protocol is the demo backend's.
 *
 * `failFirst: { status, body }` answers the first request with that status instead;
 * `respond: (req, res) => boolean` may answer a request itself (return true).
 */
const http = require('http')

function startMarkdownServer(options) {
  const pieces = []
  const points = Array.from(options.text)
  for (let i = 0; i < points.length; i += options.piece) pieces.push(points.slice(i, i + options.piece).join(''))
  let requests = 0
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      if (options.respond && options.respond(req, res)) return
      if (options.failFirst && requests === 1) {
        res.writeHead(options.failFirst.status, { 'Content-Type': 'application/json' })
        return res.end(options.failFirst.body || '')
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
      let i = 0
      const timer = setInterval(() => {
        if (i < pieces.length) {
          res.write('data: ' + JSON.stringify({ choices: [{ index: 0, delta: { content: pieces[i++] } }] }) + '\n\n')
          return
        }
        clearInterval(timer)
        res.end('data: [DONE]\n\n')
      }, options.everyMs)
      res.on('close', () => clearInterval(timer))
    })
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        baseUrl: 'http://127.0.0.1:' + server.address().port + '/v1',
        pieces: pieces.length,
        get requests() {
          return requests
        },
        close: () => new Promise((done) => {
          server.closeAllConnections()
          server.close(() => done())
        })
      })
    })
  })
}

module.exports = { startMarkdownServer }
