/**
 * Conformance against a real browser: every stream of test/helpers/conformance-corpus.ts is
 * served by one local node:http server and read both by headless Chromium's native EventSource
 * and by connectEventSource over the Node wx.request (whose decoder is the project's own, as on
 * phones). Both must deliver exactly the same events (type, data, lastEventId, in order), and
 * those of the spec, for every chunking of the bytes.
 *
 * Needs /usr/bin/chromium (Debian: `apt-get install chromium`). Without it the suite is skipped
 * with a message, unless REQUIRE_BROWSER is set (CI), where it fails.
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import { connectEventSource } from '../src/event-source'
import type { RequestFunction, RequestTask, UniEventSource } from '../src/types'
import { createWxRequest } from '../node'
import { CORPUS, eventTypes, streamBytes, type ConformanceCase, type ConformanceEvent } from './helpers/conformance-corpus'
import { describeWithChromium, HAVE_CHROMIUM, CHROMIUM, LAUNCH_ARGS, PIECE_GAP_MS, PLANS, STREAM_TIMEOUT, planCuts, serverCuts, writePieces, type Plan } from './helpers/browser'

// ---------------------------------------------------------------------------------------------
// The server: the page at '/', each case at '/sse/<name>?plan=<plan>'.

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>EventSource conformance</title>
<script>
// Opens an EventSource, records every event of the given types, and resolves at the first
// error event (the server ended the response), closing the source so it does not reconnect.
globalThis.runStream = (url, types, timeoutMs) => new Promise((resolve) => {
  const events = []
  let opened = false
  const es = new EventSource(url)
  const timer = setTimeout(() => { es.close(); resolve({ events, opened, timedOut: true }) }, timeoutMs)
  es.addEventListener('open', () => { opened = true })
  for (const type of types) {
    es.addEventListener(type, (e) => events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }))
  }
  es.addEventListener('error', () => {
    clearTimeout(timer)
    es.close()
    resolve({ events, opened, timedOut: false })
  }, { once: true })
})
</script>`

interface Server {
  origin: string
  close(): Promise<void>
}

async function startServer(): Promise<Server> {
  const cases = new Map(CORPUS.map((c) => [c.name, c]))
  const sockets = new Set<Socket>()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://127.0.0.1')
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(PAGE)
      return
    }
    const testCase = cases.get(url.pathname.replace(/^\/sse\//, ''))
    const plan = url.searchParams.get('plan') as Plan
    const cuts = testCase && PLANS.includes(plan) ? planCuts(testCase, plan) : null
    if (!testCase || !cuts) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('no such stream')
      return
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
    void writePieces(res, streamBytes(testCase.parts).bytes, serverCuts(cuts), plan === 'pieces' ? PIECE_GAP_MS : 0)
  })
  server.on('connection', (socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
}

// ---------------------------------------------------------------------------------------------
// The two readers.

interface Outcome {
  opened: boolean
  events: ConformanceEvent[]
}

async function readWithBrowser(page: Page, url: string, types: string[]): Promise<Outcome> {
  const result = await page.evaluate(
    ([u, t, ms]) => (globalThis as any).runStream(u, t, ms) as Promise<Outcome & { timedOut: boolean }>,
    [url, types, STREAM_TIMEOUT] as const
  )
  if (result.timedOut) throw new Error(`Chromium: ${url} did not end within ${STREAM_TIMEOUT} ms`)
  return { opened: result.opened, events: result.events }
}

/**
 * A wx.request whose chunk callbacks are cut at these absolute byte offsets (on top of however
 * TCP delivered the bytes), so the library sees every planned boundary, deterministically.
 */
function cuttingRequest(request: RequestFunction, cuts: number[]): RequestFunction {
  return (options) => {
    const task = request(options) as RequestTask | void
    if (!task || !task.onChunkReceived) return task
    const onChunkReceived = task.onChunkReceived
    return {
      ...task,
      onChunkReceived(callback) {
        let offset = 0 // of the next chunk's first byte in the stream
        let next = 0 // index in cuts of the first cut not yet passed
        onChunkReceived(({ data }: { data: ArrayBuffer | string }) => {
          if (typeof data === 'string') throw new Error('the Node wx.request gives ArrayBuffers')
          const end = offset + data.byteLength
          let start = offset
          while (next < cuts.length && cuts[next] <= start) next++
          while (next < cuts.length && cuts[next] < end) {
            callback({ data: data.slice(start - offset, cuts[next] - offset) })
            start = cuts[next++]
          }
          callback({ data: start === offset ? data : data.slice(start - offset) })
          offset = end
        })
      }
    }
  }
}

type Connect = typeof connectEventSource

function readWithLibrary(connect: Connect, url: string, cuts: number[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const outcome: Outcome = { opened: false, events: [] }
    let source: UniEventSource | undefined
    const timer = setTimeout(() => {
      source?.close()
      reject(new Error(`library: ${url} did not end within ${STREAM_TIMEOUT} ms`))
    }, STREAM_TIMEOUT)
    source = connect({ url, request: cuttingRequest(createWxRequest(), cuts), idleTimeout: 0 })
    source.onOpen(() => { outcome.opened = true })
    source.onMessage((ev) => outcome.events.push({ type: ev.type, data: ev.data, lastEventId: ev.lastEventId }))
    // The end of the response: onError (errCode 200 for a normal end), once; no reconnection.
    source.onError((error) => {
      clearTimeout(timer)
      source!.close()
      if (error.errCode !== 200) reject(new Error(`library: ${url} failed: ${error.errCode} ${error.errMsg}`))
      else resolve(outcome)
    })
  })
}


// ---------------------------------------------------------------------------------------------

const shown = (events: ConformanceEvent[]) =>
  events.length > 12 || events.some((e) => e.data.length > 200)
    ? `${events.length} events, data lengths ${events.slice(0, 5).map((e) => e.data.length).join(',')}…`
    : JSON.stringify(events)

describeWithChromium('browser conformance', 'the same events as Chromium’s EventSource, and as the spec', () => {
  let server: Server
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    server = await startServer()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
    page = await browser.newPage()
    await page.goto(server.origin + '/')
  }, 20000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  test('the corpus: unique URL-safe names, no type a browser reserves for the source itself', () => {
    const names = CORPUS.map((c) => c.name)
    expect(new Set(names).size).toBe(names.length)
    for (const testCase of CORPUS) {
      expect(testCase.name).toMatch(/^[a-z0-9-]+$/)
      // An event named 'open' or 'error' would reach the page's own open/error listeners.
      expect(eventTypes(testCase)).not.toEqual(expect.arrayContaining(['open']))
      expect(eventTypes(testCase)).not.toEqual(expect.arrayContaining(['error']))
    }
  })

  const runs = CORPUS.flatMap((testCase) =>
    PLANS.filter((plan) => planCuts(testCase, plan) !== null).map((plan) => [testCase.name, plan, testCase] as const)
  )

  test.each(runs)('%s (%s)', async (_name, plan, testCase) => {
    const url = `${server.origin}/sse/${testCase.name}?plan=${plan}`
    const cuts = planCuts(testCase, plan)!
    const [chrome, library] = await Promise.all([
      readWithBrowser(page, url, eventTypes(testCase)),
      readWithLibrary(connectEventSource, url, cuts)
    ])
    expect([chrome.opened, library.opened]).toEqual([true, true])
    if (!testCase.browser) {
      // The point of the suite: exactly what Chromium delivers…
      if (JSON.stringify(library.events) !== JSON.stringify(chrome.events)) {
        throw new Error(`library and Chromium disagree on ${testCase.name} (${plan}):\n  Chromium: ${shown(chrome.events)}\n  library:  ${shown(library.events)}\n  spec:     ${shown(testCase.spec)}`)
      }
      // …which is what the spec says.
      expect(library.events).toEqual(testCase.spec)
    } else {
      // A documented Chromium deviation: we follow the spec; Chromium does what was observed.
      expect(library.events).toEqual(testCase.spec)
      expect(chrome.events).toEqual(testCase.browser.events)
    }
  })
})
