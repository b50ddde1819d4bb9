/**
 * The fetch transport in a real browser: headless Chromium loads the built universal entry
 * (dist/universal.mjs, as a bundler would hand it to an H5 page), whose feature detection finds
 * no mini-program global and picks fetch + ReadableStream. For every stream of the conformance
 * corpus (test/helpers/conformance-corpus.ts), served whole, in its written pieces, one byte
 * per write and cut at random (seeded), it must deliver exactly the events Chromium's own EventSource delivers for the same
 * GET (and the spec's, where Chromium's deviation is documented). Then what the native one cannot
 * do: POST with headers and a JSON body, and Last-Event-ID on our reconnection.
 *
 * The same corpus also runs through Node's fetch (no browser needed).
 *
 * Needs /usr/bin/chromium for the browser part (skipped with a message without it, failed when
 * REQUIRE_BROWSER is set, as in CI). Needs `npm run build` first (npm test does it).
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import type { AddressInfo, Socket } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import { CORPUS, eventTypes, streamBytes, type ConformanceCase, type ConformanceEvent } from './helpers/conformance-corpus'
import { connectEventSource } from '../src/universal'
import { describeWithChromium, HAVE_CHROMIUM, CHROMIUM, LAUNCH_ARGS, PIECE_GAP_MS, PLANS, STREAM_TIMEOUT, serverCuts, writePieces, type Plan } from './helpers/browser'
import { planCuts as cutsOf } from './helpers/browser'

/** Where the server cuts its writes for a plan (the library reads what TCP delivers); null when it does not apply. */
function planCuts(testCase: ConformanceCase, plan: Plan): number[] | null {
  const cuts = cutsOf(testCase, plan)
  return cuts && serverCuts(cuts)
}

const BUNDLE = path.join(__dirname, '..', 'dist', 'universal.mjs')
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>fetch transport</title>
<script type="module">
import * as lib from '/universal.mjs'
globalThis.lib = lib
// Chromium's own EventSource: every event of the given types, until the first error.
globalThis.readNative = (url, types, timeoutMs) => new Promise((resolve) => {
  const events = []
  let opened = false
  const es = new EventSource(url)
  const timer = setTimeout(() => { es.close(); resolve({ events, opened, timedOut: true }) }, timeoutMs)
  es.addEventListener('open', () => { opened = true })
  for (const type of types) es.addEventListener(type, (e) => events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }))
  es.addEventListener('error', () => { clearTimeout(timer); es.close(); resolve({ events, opened, timedOut: false }) }, { once: true })
})
// The library (universal entry: fetch here), until its first onError (errCode 200 at the end).
globalThis.readLibrary = (options, timeoutMs, errorsToWait = 1) => new Promise((resolve) => {
  const events = []
  const errors = []
  let opens = 0
  const es = lib.connectEventSource(Object.assign({ idleTimeout: 0 }, options))
  const timer = setTimeout(() => { es.close(); resolve({ events, opens, errors, timedOut: true }) }, timeoutMs)
  es.onOpen(() => { opens++ })
  es.onMessage((e) => events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }))
  es.onError((e) => {
    errors.push(e.errCode)
    if (errors.length < errorsToWait) return
    clearTimeout(timer)
    es.close()
    resolve({ events, opens, errors, timedOut: false })
  })
})
globalThis.ready = true
</script>`

interface Server {
  origin: string
  posts: Array<{ method: string; headers: http.IncomingHttpHeaders; body: string }>
  close(): Promise<void>
}

async function startServer(): Promise<Server> {
  const cases = new Map(CORPUS.map((c) => [c.name, c]))
  const sockets = new Set<Socket>()
  const posts: Server['posts'] = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://127.0.0.1')
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      return void res.end(PAGE)
    }
    if (url.pathname === '/universal.mjs') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' })
      return void res.end(fs.readFileSync(BUNDLE))
    }
    if (url.pathname === '/echo') {
      // POST: the method, a header and the body come back as events; then the stream ends.
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        posts.push({ method: req.method!, headers: req.headers, body })
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        const n = posts.length
        res.write(`event: request\nid: ${n}\ndata: ${req.method} ${req.headers['x-key']} ${req.headers['last-event-id'] || '-'}\n\n`)
        setTimeout(() => res.end(`id: ${n}\ndata: ${body}\n\n`), 10)
      })
      return
    }
    const testCase = cases.get(url.pathname.replace(/^\/sse\//, ''))
    const plan = url.searchParams.get('plan') as Plan
    const cuts = testCase && PLANS.includes(plan) ? planCuts(testCase, plan) : null
    if (!testCase || !cuts) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      return void res.end('no such stream')
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
    void writePieces(res, streamBytes(testCase.parts).bytes, cuts, plan === 'pieces' ? PIECE_GAP_MS : 0)
  })
  server.on('connection', (socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

interface LibraryOutcome {
  events: ConformanceEvent[]
  opens: number
  errors: number[]
  timedOut: boolean
}

const runs = CORPUS.flatMap((testCase) =>
  PLANS.filter((plan) => planCuts(testCase, plan) !== null).map((plan) => [testCase.name, plan, testCase] as const)
)

const shown = (events: ConformanceEvent[]) =>
  events.length > 12 || events.some((e) => e.data.length > 200)
    ? `${events.length} events, data lengths ${events.slice(0, 5).map((e) => e.data.length).join(',')}…`
    : JSON.stringify(events)

describe("Node's fetch (universal entry) reads the corpus as the spec says", () => {
  let server: Server
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  test.each(runs)('%s (%s)', async (_name, plan, testCase) => {
    const outcome = await new Promise<LibraryOutcome>((resolve) => {
      const events: ConformanceEvent[] = []
      let opens = 0
      const source = connectEventSource({ url: `${server.origin}/sse/${testCase.name}?plan=${plan}`, idleTimeout: 0 })
      const timer = setTimeout(() => (source.close(), resolve({ events, opens, errors: [], timedOut: true })), STREAM_TIMEOUT)
      source.onOpen(() => opens++)
      source.onMessage((e) => events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }))
      source.onError((e) => {
        clearTimeout(timer)
        source.close()
        resolve({ events, opens, errors: [e.errCode], timedOut: false })
      })
    })
    expect([outcome.timedOut, outcome.opens, outcome.errors]).toEqual([false, 1, [200]])
    expect(outcome.events).toEqual(testCase.spec)
  })
})

describeWithChromium('browser fetch', 'the fetch transport in Chromium: the same events as Chromium’s EventSource', () => {
  let server: Server
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: run npm run build`)
    server = await startServer()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
    page = await browser.newPage()
    await page.goto(server.origin + '/')
    await page.waitForFunction(() => (globalThis as any).ready === true)
  }, 20000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  test('the page found no mini-program host: the universal entry picked fetch', async () => {
    expect(await page.evaluate(() => (globalThis as any).lib.detectHost().name)).toBe('fetch')
  })

  test.each(runs)('%s (%s)', async (_name, plan, testCase) => {
    const url = `${server.origin}/sse/${testCase.name}?plan=${plan}`
    const [native, library] = await Promise.all([
      page.evaluate(([u, t, ms]) => (globalThis as any).readNative(u, t, ms), [url, eventTypes(testCase), STREAM_TIMEOUT] as const) as Promise<{
        events: ConformanceEvent[]
        opened: boolean
        timedOut: boolean
      }>,
      page.evaluate(([u, ms]) => (globalThis as any).readLibrary({ url: u }, ms), [url, STREAM_TIMEOUT] as const) as Promise<LibraryOutcome>
    ])
    expect([native.timedOut, library.timedOut]).toEqual([false, false])
    expect([native.opened, library.opens, library.errors]).toEqual([true, 1, [200]])
    if (!testCase.browser) {
      if (JSON.stringify(library.events) !== JSON.stringify(native.events)) {
        throw new Error(`fetch transport and Chromium disagree on ${testCase.name} (${plan}):\n  Chromium: ${shown(native.events)}\n  library:  ${shown(library.events)}`)
      }
      expect(library.events).toEqual(testCase.spec)
    } else {
      // A documented Chromium deviation: the library follows the spec.
      expect(library.events).toEqual(testCase.spec)
      expect(native.events).toEqual(testCase.browser.events)
    }
  })

  test('POST with a header and a JSON body (what the browser’s EventSource cannot send)', async () => {
    const before = server.posts.length
    const library: LibraryOutcome = await page.evaluate(
      ([u, ms]) => (globalThis as any).readLibrary({ url: u, method: 'POST', header: { 'X-Key': 'k-1' }, data: { prompt: '你好 🤖' } }, ms),
      [server.origin + '/echo', STREAM_TIMEOUT] as const
    )
    expect(library.errors).toEqual([200])
    expect(library.events).toEqual([
      { type: 'request', data: 'POST k-1 -', lastEventId: String(before + 1) },
      { type: 'message', data: '{"prompt":"你好 🤖"}', lastEventId: String(before + 1) }
    ])
    const post = server.posts[before]
    expect([post.method, post.headers['content-type'], post.headers.accept]).toEqual(['POST', 'application/json', 'text/event-stream'])
  })

  test('our reconnection re-POSTs with Last-Event-ID', async () => {
    const before = server.posts.length
    const library: LibraryOutcome = await page.evaluate(
      ([u, ms]) =>
        (globalThis as any).readLibrary({ url: u, method: 'POST', header: { 'X-Key': 'k' }, data: 'again', reconnect: { maxRetries: 1, maxDelay: 0 } }, ms, 2),
      [server.origin + '/echo', STREAM_TIMEOUT] as const
    )
    expect(library.errors).toEqual([200, 200])
    expect(library.opens).toBe(2)
    const first = String(before + 1)
    expect(library.events.map((e) => e.data)).toEqual(['POST k -', 'again', `POST k ${first}`, 'again'])
    expect(server.posts.slice(before).map((p) => [p.method, p.body, p.headers['last-event-id']])).toEqual([
      ['POST', 'again', undefined],
      ['POST', 'again', first]
    ])
  })
})
