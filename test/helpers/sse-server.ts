/**
 * A local SSE test server with named routes, each one a stream shape that broke some client.
 * Listens on 127.0.0.1 with an ephemeral port; `close()` ends every open socket so jest can exit.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import * as zlib from 'node:zlib'
import type { AddressInfo, Socket } from 'node:net'

export interface RecordedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
  /** Becomes true when the client went away (abort, close()). */
  closed: boolean
}

export interface SseServer {
  /** e.g. 'http://127.0.0.1:41234' */
  origin: string
  /** The full URL of a route, e.g. `url('/cjk')`. */
  url(path: string): string
  /** Requests received on a route (path without query), oldest first. */
  requests(route: string): RecordedRequest[]
  close(): Promise<void>
}

/** Events of `/cjk`, in order. */
export const CJK_EVENTS = ['你好，世界', '😀👍🏽 表情符号', '中文与emoji混排🎉，结束。', 'ä é ñ — “引号” 𠮷野家']
/** Events of `/crlf`, in order, with their ids. */
export const CRLF_EVENTS = [
  { id: '1', data: 'first line\nsecond line' },
  { id: '2', data: '第二个事件' },
  { id: '3', data: 'last' }
]
/** Deltas of `/openai`, an OpenAI-style chat stream ending with `data: [DONE]`. */
export const OPENAI_DELTAS = ['你', '好！', '我是', ' an assistant 🤖', '。\n有什么', '可以帮你？']
export const ERROR_401_BODY = JSON.stringify({
  error: { message: 'Invalid API key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' }
})
export const ERROR_429_BODY = JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } })

type Route = (req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) => void

interface RouteContext {
  body: string
  /** How many requests this route has seen, this one included. */
  count: number
  /** Writes the pieces one by one with a pause between them (so they leave as separate TCP sends), then calls `then`. */
  writeSlowly(pieces: Array<string | Buffer>, then?: () => void, gapMs?: number): void
  /** setTimeout that `close()` clears. */
  later(fn: () => void, ms: number): void
}

const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' }
/** ms between writes; long enough for Node to send each write in its own TCP segment. */
const WRITE_GAP_MS = 3

const routes: Record<string, Route> = {
  // Every write ends one byte into a multi-byte character.
  '/cjk': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    const bytes = Buffer.from(CJK_EVENTS.map((e) => `data: ${e}\n\n`).join(''))
    ctx.writeSlowly(splitInsideCharacters(bytes), () => res.end())
  },
  // CRLF line ends, each CR in one write and its LF in the next.
  '/crlf': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    const text = CRLF_EVENTS.map((e) => `id: ${e.id}\r\n` + e.data.split('\n').map((l) => `data: ${l}\r\n`).join('') + '\r\n').join('')
    ctx.writeSlowly(text.split(/(?<=\r)/), () => res.end())
  },
  '/keepalive': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly([': keep-alive\n\n', 'data: one\n\n', ': keep-alive\n\n', ': keep-alive\n\n', 'data: two\n\n', ': keep-alive\n\n'], () => res.end())
  },
  // Only comments for ~400 ms between two events: a client idle timer must count them as activity.
  '/slow-keepalive': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly(['data: start\n\n', ...Array(8).fill(': keep-alive\n\n'), 'data: end\n\n'], () => res.end(), 50)
  },
  '/openai': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    const frames = OPENAI_DELTAS.map((content, i) => `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 0, delta: { content }, finish_reason: null }], n: i })}\n\n`)
    ctx.writeSlowly([...frames, 'data: [DONE]\n\n'], () => res.end())
  },
  '/401': (_req, res) => {
    res.writeHead(401, { 'Content-Type': 'application/json' })
    res.end(ERROR_401_BODY)
  },
  '/429': (_req, res) => {
    res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' })
    res.end(ERROR_429_BODY)
  },
  '/500': (_req, res) => {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('Internal Server Error: 服务器错误')
  },
  '/204': (_req, res) => {
    res.writeHead(204)
    res.end()
  },
  '/wrong-type': (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{"ok":true}')
  },
  // One event, then the socket is destroyed mid-body (no chunked terminator).
  '/die': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly(['data: before death\n\n', 'data: never completed'], () => res.socket?.destroy())
  },
  // One event, then silence until the client or the server closes.
  '/stall': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly(['data: only event\n\n'])
  },
  '/end-after-one': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly(['id: 1\ndata: the one\n\n'], () => res.end())
  },
  // Connection n sends `retry: 50` and event id n, then ends.
  '/reconnect': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly([`retry: 50\nid: ${ctx.count}\ndata: connection ${ctx.count}\n\n`], () => res.end())
  },
  // What the server received, as three named events with JSON data.
  '/echo': (req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    const json = (v: unknown) => JSON.stringify(v)
    ctx.writeSlowly([
      `event: method\ndata: ${json(req.method)}\n\n`,
      `event: headers\ndata: ${json(req.headers)}\n\n`,
      `event: body\ndata: ${json(ctx.body)}\n\n`
    ], () => res.end())
  },
  // A BOM split across writes at the start; a later U+FEFF belongs to the data.
  '/bom': (_req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly([Buffer.from([0xef]), Buffer.from([0xbb, 0xbf]), 'data: first\n\n', 'data: \uFEFFsecond\n\n'], () => res.end())
  },
  // A body large enough to arrive in many reads: 200 events of 1 KB each.
  '/big': (_req, res) => {
    res.writeHead(200, SSE_HEADERS)
    for (let i = 0; i < 200; i++) res.write(`id: ${i}\ndata: ${bigLine(i)}\n\n`)
    res.end()
  },
  // `?status=302&to=/plain`: a redirect (default 302 to /plain), with a small body the client must not see.
  '/redirect': (req, res) => {
    const query = new URL(req.url || '/', 'http://127.0.0.1').searchParams
    res.writeHead(Number(query.get('status') || 302), { Location: query.get('to') || '/plain', 'Content-Type': 'text/plain' })
    res.end('data: the redirect body\n\n')
  },
  // `?n=3`: three relative redirects in a row, then the `/end-after-one` stream.
  '/redirect-chain': (req, res, ctx) => {
    const n = Number(new URL(req.url || '/', 'http://127.0.0.1').searchParams.get('n') || 0)
    if (n > 0) {
      res.writeHead(302, { Location: `redirect-chain?n=${n - 1}` })
      res.end()
      return
    }
    res.writeHead(200, SSE_HEADERS)
    ctx.writeSlowly(['id: 1\ndata: the one\n\n'], () => res.end())
  },
  '/redirect-loop': (_req, res) => {
    res.writeHead(302, { Location: '/redirect-loop' })
    res.end()
  },
  // `?encoding=gzip|deflate|deflate-raw|br|deflate,gzip&then=end|stall|corrupt|die`: the /cjk
  // events, each compressed and flushed on its own (so they leave as separate, decodable TCP
  // sends), then the end, silence, bytes that are not compressed data, or a dropped connection.
  '/compressed': (req, res, ctx) => {
    const query = new URL(req.url || '/', 'http://127.0.0.1').searchParams
    const encoding = query.get('encoding') || 'gzip'
    const then = query.get('then') || 'end'
    res.writeHead(200, { ...SSE_HEADERS, 'Content-Encoding': encoding === 'deflate-raw' ? 'deflate' : encoding })
    const compressors = encoding.split(',').map((coding) => compressorFor(coding.trim()))
    for (let i = 0; i < compressors.length - 1; i++) compressors[i].pipe(compressors[i + 1])
    const first = compressors[0]
    const last = compressors[compressors.length - 1]
    last.on('data', (bytes: Buffer) => { if (!res.destroyed) res.write(bytes) })
    res.on('close', () => { for (const c of compressors) c.destroy() })
    const events = CJK_EVENTS.map((e) => `data: ${e}\n\n`)
    const next = (i: number): void => {
      if (res.destroyed) return
      if (i < events.length) {
        first.write(events[i])
        // Flush every stage in order, so the event leaves whole.
        const flushFrom = (k: number): void => {
          if (k === compressors.length) ctx.later(() => next(i + 1), WRITE_GAP_MS * 3)
          else compressors[k].flush(() => flushFrom(k + 1))
        }
        flushFrom(0)
        return
      }
      if (then === 'end') { last.on('end', () => res.end()); first.end() }
      // The bad bytes well after the events, so they do not share a read with the last one.
      else if (then === 'corrupt') ctx.later(() => { res.write(Buffer.from('this is not compressed data, at all. '.repeat(4))); ctx.later(() => res.end(), WRITE_GAP_MS) }, 100)
      else if (then === 'die') res.socket?.destroy()
      // 'stall': nothing more until the client goes away.
    }
    next(0)
  },
  // A coding nobody knows: the bytes are plain SSE and must be passed on as they are.
  '/unknown-encoding': (_req, res, ctx) => {
    res.writeHead(200, { ...SSE_HEADERS, 'Content-Encoding': 'x-unknown' })
    ctx.writeSlowly(['id: 1\ndata: the one\n\n'], () => res.end())
  },
  // A chunked body whose second chunk has a size line that is not hex: a parse error mid-body.
  '/malformed-chunked': (_req, res, ctx) => {
    const socket = res.socket!
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n')
    const event = 'data: before the bad chunk\n\n'
    // The good chunk and the bad size line in one write: they are parsed in one go.
    socket.write(`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\nzz\r\nnot a chunk\r\n`)
    ctx.later(() => socket.destroy(), 200)
  },
  // Without Last-Event-ID: an event with a non-ASCII id, then the end. With it: one event whose
  // data is the header's bytes as received, in hex (Node reads header bytes as Latin-1).
  '/last-event-id': (req, res, ctx) => {
    res.writeHead(200, SSE_HEADERS)
    const received = req.headers['last-event-id']
    if (typeof received !== 'string') ctx.writeSlowly([`retry: 10\nid: ${LAST_EVENT_ID}\ndata: first\n\n`], () => res.end())
    else ctx.writeSlowly([`data: ${Buffer.from(received, 'latin1').toString('hex')}\n\n`], () => res.end())
  },
  // Plain bytes for transport tests: a JSON reply echoing what was received.
  '/plain': (req, res, ctx) => {
    res.setHeader('X-Custom-Name', 'Value')
    res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/'])
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: ctx.body }))
  }
}

/** The id `/last-event-id` sends: outside Latin-1, so it only travels as UTF-8 bytes. */
export const LAST_EVENT_ID = '中文 ✓'

function compressorFor(coding: string): zlib.Gzip | zlib.Deflate | zlib.DeflateRaw | zlib.BrotliCompress {
  if (coding === 'gzip') return zlib.createGzip()
  if (coding === 'deflate') return zlib.createDeflate()
  if (coding === 'deflate-raw') return zlib.createDeflateRaw()
  if (coding === 'br') return zlib.createBrotliCompress()
  throw new Error('no compressor for ' + coding)
}

/** The 1 KB data line of `/big` event i. */
export function bigLine(i: number): string {
  return (`${i}:` + '数据'.repeat(200) + 'x'.repeat(1024)).slice(0, 1024)
}

/** Cuts the bytes one byte into every multi-byte character. */
function splitInsideCharacters(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    // A lead byte of a multi-byte sequence: cut right after it.
    if (bytes[i] >= 0xc0) {
      pieces.push(bytes.subarray(start, i + 1))
      start = i + 1
    }
  }
  pieces.push(bytes.subarray(start))
  return pieces.filter((p) => p.length > 0)
}

export interface SseServerOptions {
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer }
}

export async function startSseServer(options: SseServerOptions = {}): Promise<SseServer> {
  const log: Record<string, RecordedRequest[]> = {}
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = new URL(req.url || '/', 'http://127.0.0.1').pathname
      const record: RecordedRequest = { method: req.method || '', url: req.url || '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), closed: false }
      ;(log[path] = log[path] || []).push(record)
      res.on('close', () => { record.closed = true })
      const route = routes[path]
      if (!route) {
        res.writeHead(404, { 'Content-Type': 'text/plain' })
        res.end('no route ' + path)
        return
      }
      route(req, res, {
        body: record.body,
        count: log[path].length,
        writeSlowly(pieces, then, gapMs = WRITE_GAP_MS) {
          let i = 0
          const next = (): void => {
            if (res.destroyed || res.writableEnded) return
            if (i === pieces.length) return then?.()
            res.write(pieces[i++])
            const timer = setTimeout(() => { timers.delete(timer); next() }, gapMs)
            timers.add(timer)
          }
          next()
        },
        later(fn, ms) {
          const timer = setTimeout(() => { timers.delete(timer); fn() }, ms)
          timers.add(timer)
        }
      })
    })
  }
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    url: (path) => origin + path,
    requests: (route) => log[route] || [],
    close: () => new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
}
