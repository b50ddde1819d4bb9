'use strict'
/**
 * `npm run demo` (demo-miniprogram/scripts/demo.js) as a user runs it: the answer printed as it
 * streams, the summary line with setData calls and bytes. With `--upstream`, a local fake
 * provider writes its bytes a few at a time, so emoji and CJK are split across chunks: the
 * printed text must still be whole (no U+FFFD).
 */
const http = require('http')
const path = require('path')
const { spawn } = require('child_process')

const DEMO = path.resolve(__dirname, '..', '..', 'demo-miniprogram', 'scripts', 'demo.js')
const ANSWER = '表情 👍🏽 和中文，split everywhere 🎉🧩。'

function runDemo(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO].concat(args), { env: Object.assign({}, process.env, { NO_COLOR: '1', UPSTREAM_API_KEY: 'test-key' }) })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill(), 20000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

test('--upstream: an answer whose bytes arrive 1-3 at a time prints whole, then the setData summary', async () => {
  const body = Buffer.from(
    Array.from(ANSWER).map((c) => 'data: ' + JSON.stringify({ choices: [{ index: 0, delta: { content: c } }] }) + '\n\n').join('') + 'data: [DONE]\n\n'
  )
  const upstream = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      let at = 0
      let size = 1
      const write = () => {
        if (at >= body.length) return res.end()
        res.write(body.subarray(at, at + size))
        at += size
        size = (size % 3) + 1
        setTimeout(write, 1)
      }
      write()
    })
  })
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  try {
    const { code, out } = await runDemo(['--upstream', 'http://127.0.0.1:' + upstream.address().port + '/v1', '--model', 'fake', '--prompt', 'hi'])
    expect(code).toBe(0)
    expect(out).not.toContain('\uFFFD')
    expect(out).toContain('AI:  ' + ANSWER)
    expect(out).toMatch(/— done · .* · \d+ setData, \d+ B · total /)
  } finally {
    upstream.close()
  }
})

test('--url prints raw events', async () => {
  const sse = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.end('id: 1\ndata: 你好\n\n')
  })
  await new Promise((resolve) => sse.listen(0, '127.0.0.1', resolve))
  try {
    const { code, out } = await runDemo(['--url', 'http://127.0.0.1:' + sse.address().port + '/'])
    expect(code).toBe(0)
    expect(out).toContain('event: message  id: 1\ndata: 你好')
    expect(out).toContain('stream ended')
  } finally {
    sse.close()
  }
})
