// uni-app (Vue 3) H5, for real: integration/uni-app-h5 is built by the uni CLI (`uni build -p h5`,
// network blocked); one 127.0.0.1 server serves the built site and the SSE endpoints; headless
// Chromium opens the page, whose main.js calls `install()` from miniprogram-eventsource/universal
// and whose page streams with `uni.connectEventSource(...)`. On H5 there is no mini-program
// global, so install()'s connectEventSource picks the fetch + ReadableStream transport: the
// stream must arrive as it is written (CJK and emoji cut inside characters), and a POST with
// headers and a JSON body — what the browser's EventSource cannot send — must work too.
//
// Needs /usr/bin/chromium (skipped with a message without it, failed when REQUIRE_BROWSER is set,
// as in CI) and the library's dist/ (npm test at the repo root builds it).
'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { ANSWER } = require('../lib/sse-server')
const { buildUni } = require('../lib/uni-build')

const ROOT = path.join(__dirname, '..', '..')
const PROJECT = path.join(__dirname, '..', 'uni-app-h5')
const OUT = path.join(PROJECT, 'dist', 'build', 'h5')
const CHROMIUM = '/usr/bin/chromium'
// As test/helpers/browser.ts (LAUNCH_ARGS): Debian's Chromium in a closed network.
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]
/** Every wait in the browser ends within this many ms. */
const TIMEOUT = 15000
/** Pause between the server's 7-byte writes, so the page reads them as separate chunks. */
const WRITE_GAP_MS = 5
/** What the page POSTs (the shape of a chat-completion request). */
const CHAT_BODY = { model: 'm', stream: true, messages: [{ role: 'user', content: '你好 👋' }] }

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }

const haveChromium = fs.existsSync(CHROMIUM)
if (!haveChromium && !process.env.REQUIRE_BROWSER) {
  console.log('# uni-h5: SKIPPED, ' + CHROMIUM + ' not found (apt-get install -y chromium to run it; CI sets REQUIRE_BROWSER=1)')
}
const skip = !haveChromium && !process.env.REQUIRE_BROWSER

let server
let browser
let page
/** Every URL the page asked for, with Playwright's resource type. */
const requested = []

/** The answer as SSE bytes, cut in 7-byte writes (inside characters); `gate` holds the rest after `holdAfter` events. */
async function writeAnswer(res, holdAfter, gate) {
  const events = ANSWER.map((delta) => 'data: ' + JSON.stringify({ delta }) + '\n\n').concat(['data: [DONE]\n\n'])
  const parts = holdAfter ? [events.slice(0, holdAfter), events.slice(holdAfter)] : [events]
  for (let p = 0; p < parts.length; p++) {
    if (p > 0) await gate
    const bytes = Buffer.from(parts[p].join(''))
    for (let offset = 0; offset < bytes.length; offset += 7) {
      res.write(bytes.subarray(offset, offset + 7))
      await new Promise((resolve) => setTimeout(resolve, WRITE_GAP_MS))
    }
  }
  res.end()
}

/** One server for the built site and the SSE endpoints: GET /answer (held until release()), POST /chat. */
function startServer() {
  const requests = []
  let release
  const gate = new Promise((resolve) => (release = resolve))
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      requests.push({ method: req.method, path: url.pathname, headers: req.headers, body })
      if (url.pathname === '/answer' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' })
        return void writeAnswer(res, 2, gate)
      }
      if (url.pathname === '/chat') {
        let json
        try {
          json = JSON.parse(body)
        } catch (err) {}
        const ok = req.method === 'POST' && /^application\/json/.test(req.headers['content-type'] || '') && req.headers['x-api-key'] === 'K1' && json && json.messages
        if (!ok) {
          res.writeHead(400, { 'Content-Type': 'application/json' })
          return void res.end(JSON.stringify({ error: 'POST a JSON body with X-Api-Key' }))
        }
        res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' })
        return void writeAnswer(res, 0)
      }
      // The built site (index.html, assets/): files under OUT only.
      const file = path.join(OUT, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname))
      if (!file.startsWith(OUT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' })
        return void res.end('not found')
      }
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' })
      res.end(fs.readFileSync(file))
    })
  })
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      resolve({
        origin: 'http://127.0.0.1:' + srv.address().port,
        requests,
        release: () => release(),
        close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()) })
      })
    })
  })
}

/** The page's state (window.__sse.state(), see uni-app-h5/src/pages/index/index.vue). */
const state = () => page.evaluate(() => window.__sse.state())
const until = (fn, arg) => page.waitForFunction(fn, arg, { timeout: TIMEOUT, polling: 10 })

before(async () => {
  if (skip) return
  if (!haveChromium) throw new Error(CHROMIUM + ' not found: install it (apt-get install -y chromium); REQUIRE_BROWSER forbids skipping')
  buildUni(PROJECT, 'h5')

  server = await startServer()
  const { chromium } = require(require.resolve('playwright-core', { paths: [ROOT] }))
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
  const context = await browser.newContext()
  // Anything not for the local server is aborted (and recorded, so the last test can see it).
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    return url.hostname === '127.0.0.1' ? route.continue() : route.abort()
  })
  page = await context.newPage()
  page.on('request', (r) => requested.push({ url: r.url(), type: r.resourceType(), method: r.method() }))
  const errors = []
  page.on('pageerror', (err) => errors.push(String(err)))
  await page.goto(server.origin + '/index.html', { timeout: TIMEOUT })
  await until(() => !!window.__sse).catch((err) => {
    throw new Error('the uni page did not start: ' + err.message + '\n' + errors.join('\n'))
  })
})

after(async () => {
  if (browser) await browser.close()
  if (server) await server.close()
})

test('the H5 build carries the library (universal entry) and install() picks fetch', { skip }, async () => {
  const assets = fs.readdirSync(path.join(OUT, 'assets')).filter((f) => f.endsWith('.js'))
  assert.ok(assets.some((f) => /\[miniprogram-eventsource\] /.test(fs.readFileSync(path.join(OUT, 'assets', f), 'utf8'))), 'the library is in the bundle')
  assert.equal(await page.evaluate(() => window.__sse.host), 'fetch')
  assert.equal(await page.evaluate(() => typeof uni.connectEventSource), 'function', 'install() set uni.connectEventSource')
})

test('install(); uni.connectEventSource({ url }) streams CJK and emoji into the page as written', { skip }, async () => {
  const before = requested.length
  await page.evaluate((url) => window.__sse.ask(url), server.origin + '/answer')
  // The server holds the rest of the answer back: the first two events are already on the page.
  await until(() => window.__sse.state().deltas.length >= 2)
  let s = await state()
  assert.deepEqual(s.deltas, ANSWER.slice(0, 2))
  assert.equal(s.status, 'open')
  server.release()
  await until(() => ['done', 'error'].includes(window.__sse.state().status))
  s = await state()
  assert.equal(s.status, 'done', s.errCode + ' ' + s.errMsg)
  assert.deepEqual(s.deltas, ANSWER)
  assert.equal(s.answer, ANSWER.join(''))
  // The DOM showed growing prefixes, ending with the whole answer, exactly.
  assert.equal(await page.textContent('.answer'), ANSWER.join(''))
  assert.ok(s.rendered.length >= 2, JSON.stringify(s.rendered))
  for (const r of s.rendered) assert.ok(ANSWER.join('').startsWith(r), JSON.stringify(r) + ' is a prefix')
  // Sent with fetch (not the browser's EventSource, nor uni.request's XMLHttpRequest).
  const sse = requested.slice(before).filter((r) => new URL(r.url).pathname === '/answer')
  assert.deepEqual(sse.map((r) => r.type + ' ' + r.method), ['fetch GET'])
})

test('[extension] uni.connectEventSource POSTs a JSON body with headers (what EventSource cannot)', { skip }, async () => {
  const before = server.requests.length
  const seen = requested.length
  await page.evaluate(
    ([url, data]) => window.__sse.ask(url, { method: 'POST', header: { 'Content-Type': 'application/json', 'X-Api-Key': 'K1' }, data }),
    [server.origin + '/chat', CHAT_BODY]
  )
  await until(() => ['done', 'error'].includes(window.__sse.state().status))
  const s = await state()
  assert.equal(s.status, 'done', s.errCode + ' ' + s.errMsg)
  assert.deepEqual(s.deltas, ANSWER)
  assert.equal(await page.textContent('.answer'), ANSWER.join(''))
  const chats = server.requests.slice(before).filter((r) => r.path === '/chat')
  assert.equal(chats.length, 1)
  assert.equal(chats[0].method, 'POST')
  assert.equal(chats[0].headers['x-api-key'], 'K1')
  assert.deepEqual(JSON.parse(chats[0].body), CHAT_BODY)
  const sse = requested.slice(seen).filter((r) => new URL(r.url).pathname === '/chat')
  assert.deepEqual(sse.map((r) => r.type + ' ' + r.method), ['fetch POST'])
})

test('the page requested nothing but 127.0.0.1, and this process contacted nothing else', { skip }, () => {
  assert.ok(requested.length >= 4, 'the page, its assets and two streams: ' + requested.length)
  assert.deepEqual(requested.filter((r) => new URL(r.url).hostname !== '127.0.0.1'), [])
  assert.deepEqual(globalThis.__blockedConnections, [])
})
