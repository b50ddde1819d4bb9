/**
 * A Node implementation of `wx.request` with its chunked-transfer semantics, over real HTTP(S).
 *
 * It exists so the event source can be run against real servers outside a mini-program (tests,
 * scripts, server-side use), and so each real-device quirk can be switched on and reproduced on
 * demand. Where a phone's HTTP stack differs from raw `node:http` it follows the phone: redirects
 * are followed, compressed bodies are decoded chunk by chunk, a non-ASCII header value is sent as
 * UTF-8, and no mistake in the options throws: `fail` reports it, asynchronously, as wx does.
 *
 * Self-contained on purpose: its types describe `wx.request` (miniprogram-api-typings
 * `RequestOption`), not this library's request option, so the two can change independently.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import { createBodyDecoder, BodyDecoder } from './body-decoder'
import { createMerger, createSplitter, validateCreateOptions } from './quirks'

export { mulberry32 } from './quirks'

/** Switches that reproduce reported `wx.request` behaviours of real clients. All off by default. */
export interface WxRequestQuirks {
  /**
   * Coalesce several received pieces into one chunk callback, as devices do
   * (xiaweiss/miniprogram-bug-report#304). A merged chunk is delivered once `everyPieces` pieces
   * are waiting or `everyMs` ms after the first one was held, whichever comes first; what is held
   * at the end of the body is delivered before `success`. `true` means `{ everyPieces: 3, everyMs: 50 }`.
   * `everyPieces` is an integer ≥ 1, `everyMs` an integer ≥ 0 (both ≤ 2^31-1).
   */
  mergeChunks?: boolean | { everyPieces?: number; everyMs?: number }
  /**
   * Split every chunk into small pieces of `minSize`..`maxSize` bytes (default 1..7), sizes drawn
   * from a seeded RNG (`seed`, default 1), so boundaries land inside CRLF pairs and inside
   * multi-byte UTF-8 characters. Applied after `mergeChunks`. Sizes are integers, 1 ≤ minSize ≤ maxSize.
   */
  splitChunks?: boolean | { minSize?: number; maxSize?: number; seed?: number }
  /** WeChat devtools: `onHeadersReceived` gets no `statusCode` (the typings say so). */
  noStatusInHeaders?: boolean
  /** An old Android client: `statusCode` is a string in `onHeadersReceived` and `success`. */
  stringStatusCode?: boolean
  /** PC WeChat / buffering proxies: no chunk callback fires; `success` carries the whole body. */
  noChunkCallbacks?: boolean
  /**
   * Old base libraries, or a framework wrapper (Taro interceptors) that drops the methods: the task
   * has no `onChunkReceived`/`onHeadersReceived`; `success` carries the whole body.
   */
  noChunkApi?: boolean
  /** `onHeadersReceived` is accepted but never fires. */
  noHeadersCallback?: boolean
  /**
   * One more chunk callback after `abort()`, then `fail` with 'request:fail abort' (whether a
   * device can do this is uncertain: consumers must guard against it). The chunk carries this
   * text, default a complete SSE event, so a consumer that fails to ignore it visibly dispatches something.
   */
  lateChunkAfterAbort?: boolean | string
}

/**
 * Options of {@link createWxRequest}: the quirk switches, plus TLS settings for HTTPS servers a
 * phone would not trust either (a self-signed test server). An invalid value, or an unknown key,
 * throws a TypeError from `createWxRequest` (a programming error, found at setup time).
 */
export interface CreateWxRequestOptions extends WxRequestQuirks {
  /** Certificate(s) to trust for HTTPS, in PEM, instead of the system's (e.g. a self-signed test server's own certificate). */
  ca?: string | Uint8Array | Array<string | Uint8Array>
  /** `false` accepts any HTTPS certificate (tests only). Default `true`. */
  rejectUnauthorized?: boolean
}

/**
 * What `success` may carry as `data`, as miniprogram-api-typings declares it. A call's `data` is
 * typed `any` unless given, as `request<string>({...})` (a union would need narrowing at every use).
 */
export type WxResponseData = string | Record<string, any> | ArrayBuffer

/**
 * `wx.request` options (miniprogram-api-typings `RequestOption`). The `enable*`/DNS/profile
 * switches are accepted and have no effect in Node.
 */
export interface WxRequestOptions<T = any, S extends number | string = number> {
  url: string
  /** Any HTTP method token; wx's typings list OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT. Default 'GET'. */
  method?: string
  /** Request headers. A non-ASCII value is sent as its UTF-8 bytes; `null`/`undefined` values are left out. */
  header?: Record<string, any>
  /** GET: an object becomes the query string. Otherwise an object is sent as JSON (form-encoded with that content type). */
  data?: string | Record<string, any> | ArrayBuffer | null
  /** Total request time in ms, redirects included, as wx. Default 60000. */
  timeout?: number
  responseType?: 'text' | 'arraybuffer'
  /** 'json' (wx's default) parses a text body as JSON when it can. */
  dataType?: string
  enableChunked?: boolean
  /** 'follow' (default): redirects are followed. 'manual': a 3xx is delivered as the response. */
  redirect?: 'follow' | 'manual'
  enableHttp2?: boolean
  enableQuic?: boolean
  enableCache?: boolean
  enableHttpDNS?: boolean
  enableHttpDNSFallback?: boolean
  httpDNSServiceId?: string
  httpDNSTimeout?: number
  forceCellularNetwork?: boolean
  enableProfile?: boolean
  useHighPerformanceMode?: boolean
  success?(res: WxRequestSuccess<T, S>): void
  fail?(res: WxRequestFail): void
  complete?(res: WxRequestSuccess<T, S> | WxRequestFail): void
}

export interface WxRequestSuccess<T = any, S extends number | string = number> {
  /** With `enableChunked` the body went through the chunks: '' or an empty ArrayBuffer. */
  data: T
  statusCode: S
  header: Record<string, string>
  cookies: string[]
  /** 'request:ok' */
  errMsg: string
}

export interface WxRequestFail {
  /** 'request:fail ' and what went wrong ('abort', 'timeout', 'invalid header name "x y"', a system message…). */
  errMsg: string
  errno?: number
}

export interface WxHeadersResult<S extends number | string = number> {
  header: Record<string, string>
  statusCode?: S
  cookies: string[]
}

export interface WxRequestTask<S extends number | string = number> {
  abort(): void
  /** Absent only with the `noChunkApi` quirk. */
  onHeadersReceived?(cb: (res: WxHeadersResult<S>) => void): void
  offHeadersReceived?(cb?: (res: WxHeadersResult<S>) => void): void
  /** Fires only with `enableChunked`; absent with the `noChunkApi` quirk. */
  onChunkReceived?(cb: (res: { data: ArrayBuffer }) => void): void
  offChunkReceived?(cb?: (res: { data: ArrayBuffer }) => void): void
}

/** A function shaped like `wx.request`; `S` is the type of `statusCode` (a string with the `stringStatusCode` quirk). */
export type WxRequestFunction<S extends number | string = number> =
  <T = any>(options: WxRequestOptions<T, S>) => WxRequestTask<S>

/** wx's unified errno values used here. */
export const ERRNO_TIMEOUT = 5
export const ERRNO_NETWORK = 600001
export const ERRNO_INTERRUPTED = 600003

const DEFAULT_TIMEOUT = 60000
/** 2^31-1 ms: a longer timer fires after 1 ms in Node. */
const MAX_TIMEOUT = 2147483647
const DEFAULT_LATE_CHUNK = 'data: late chunk after abort\n\n'
/** As the Fetch standard ("HTTP-redirect fetch": a 21st redirect is a network error), Chromium and OkHttp. */
export const MAX_REDIRECTS = 20
const REDIRECT_STATUSES = [301, 302, 303, 307, 308]
/** Fetch's "request-body-header names": dropped when a redirect turns the request into a body-less GET. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length']
/** What phones and browsers advertise; the body is decoded before the chunk callbacks see it. */
const ACCEPT_ENCODING = 'gzip, deflate, br'
/** RFC 9110 §5.6.2 token: method and header names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const PREFIX = '[miniprogram-eventsource/node] '

/**
 * A `wx.request` over `node:http(s)`. Call it as `wx.request({ url, success })`, or pass it as the
 * library's `request` option. Throws a TypeError here, at setup, for an invalid option.
 */
export function createWxRequest(options: CreateWxRequestOptions & { stringStatusCode: true }): WxRequestFunction<string>
export function createWxRequest(options?: CreateWxRequestOptions & { stringStatusCode?: false }): WxRequestFunction<number>
export function createWxRequest(options?: CreateWxRequestOptions): WxRequestFunction<number | string>
export function createWxRequest(options?: CreateWxRequestOptions): WxRequestFunction<any> {
  const config = validateCreateOptions(options)
  return (requestOptions) => startRequest(requestOptions, config)
}

/** `wx.request` without quirks. */
export const wxRequest: WxRequestFunction<number> = createWxRequest()

/** An object to install as a global `wx` (only `request`). */
export function createWx(options: CreateWxRequestOptions & { stringStatusCode: true }): { request: WxRequestFunction<string> }
export function createWx(options?: CreateWxRequestOptions & { stringStatusCode?: false }): { request: WxRequestFunction<number> }
export function createWx(options?: CreateWxRequestOptions): { request: WxRequestFunction<number | string> }
export function createWx(options?: CreateWxRequestOptions): { request: WxRequestFunction<any> } {
  return { request: createWxRequest(options) }
}

type AnyOptions = WxRequestOptions<any, any>
type AnySuccess = WxRequestSuccess<any, any>

function startRequest(given: AnyOptions, config: CreateWxRequestOptions): WxRequestTask<any> {
  const options: AnyOptions = given && typeof given === 'object' ? given : ({} as AnyOptions)
  const headersCallbacks: Array<(res: WxHeadersResult<any>) => void> = []
  const chunkCallbacks: Array<(res: { data: ArrayBuffer }) => void> = []
  const chunked = !!options.enableChunked && !config.noChunkApi
  const bodyThroughChunks = chunked && !config.noChunkCallbacks
  const bodyPieces: Buffer[] = []
  let done = false // success or fail was delivered, or abort() was called
  let req: http.ClientRequest | undefined
  let timer: NodeJS.Timeout | undefined
  let decoder: BodyDecoder | null = null
  /** A failure noticed while the body was still coming: reported once what was received is delivered. */
  let pendingFailure: { errMsg: string; errno: number } | null = null

  const emitChunk = (bytes: Buffer): void => {
    for (const piece of splitter(bytes)) {
      if (done) return // the consumer may abort inside a chunk callback
      const data = toArrayBuffer(piece)
      for (const cb of chunkCallbacks.slice()) call(cb, { data })
    }
  }
  const splitter = createSplitter(config.splitChunks)
  const merger = createMerger(config.mergeChunks, emitChunk)

  const cleanUp = (): void => {
    if (timer) clearTimeout(timer)
    timer = undefined
    merger.clear()
    decoder?.destroy()
    decoder = null
  }
  const finish = (res: AnySuccess | WxRequestFail, ok: boolean): void => {
    cleanUp()
    if (ok) call(options.success, res as AnySuccess)
    else call(options.fail, res as WxRequestFail)
    call(options.complete, res)
  }
  const fail = (errMsg: string, errno?: number): void => {
    if (done) return
    merger.flush() // bytes already received are delivered before the failure
    if (done) return // aborted from that chunk callback
    done = true
    req?.destroy()
    const res: WxRequestFail = { errMsg: 'request:fail ' + errMsg }
    if (errno !== undefined) res.errno = errno
    finish(res, false)
  }
  /** The body broke off: what the decoder still holds comes out first, then `fail`. */
  const failMidBody = (errMsg: string, errno: number): void => {
    if (done || pendingFailure) return
    pendingFailure = { errMsg, errno }
    if (decoder) decoder.end() // its onEnd/onError report the failure
    else fail(errMsg, errno)
  }
  const deliver = (bytes: Buffer): void => {
    if (done) return
    if (bodyThroughChunks) merger.push(bytes)
    else bodyPieces.push(bytes)
  }

  const task: WxRequestTask<any> = {
    abort() {
      if (done) return
      done = true
      req?.destroy()
      cleanUp()
      const late = config.lateChunkAfterAbort
      setImmediate(() => {
        if (late && chunked) {
          const data = toArrayBuffer(Buffer.from(late === true ? DEFAULT_LATE_CHUNK : late))
          for (const cb of chunkCallbacks.slice()) call(cb, { data })
        }
        finish({ errMsg: 'request:fail abort' }, false)
      })
    }
  }
  if (!config.noChunkApi) {
    task.onHeadersReceived = (cb) => { if (typeof cb === 'function') headersCallbacks.push(cb) }
    task.offHeadersReceived = (cb) => { remove(headersCallbacks, cb) }
    task.onChunkReceived = (cb) => { if (typeof cb === 'function') chunkCallbacks.push(cb) }
    task.offChunkReceived = (cb) => { remove(chunkCallbacks, cb) }
  }

  // Every mistake in the options is a `fail`, never a throw (wx reports them the same way).
  let url: URL
  let method: string
  let header: Record<string, string>
  let body: Buffer | undefined
  try {
    url = parseUrl(options.url)
    method = String(options.method ?? 'GET').toUpperCase()
    if (!TOKEN.test(method)) throw new Error(`invalid method ${JSON.stringify(options.method)}`)
    header = encodeHeaders(options.header)
    body = encodeBody(method, options.data, header, url)
    if (!hasHeader(header, 'accept-encoding')) header['Accept-Encoding'] = ACCEPT_ENCODING
    // Node frames a GET body only with an explicit length (without it the bytes would read as a second request).
    if (body && !hasHeader(header, 'content-length')) header['Content-Length'] = String(body.length)
  } catch (err) {
    setImmediate(() => fail((err as Error).message, ERRNO_NETWORK))
    return task
  }

  let redirects = 0
  const send = (): void => {
    const transport = url.protocol === 'https:' ? https : http
    const tls = url.protocol === 'https:' ? { ca: config.ca as https.RequestOptions['ca'], rejectUnauthorized: config.rejectUnauthorized } : {}
    let current: http.ClientRequest
    try {
      // agent:false: no pooled keep-alive socket outlives the request (jest must be able to exit).
      current = transport.request(url, { method, headers: header, agent: false, ...tls })
    } catch (err) {
      // Validated above, so not expected; still a fail, and never synchronously.
      setImmediate(() => fail((err as Error).message, ERRNO_NETWORK))
      return
    }
    req = current
    let response: http.IncomingMessage | undefined
    let responseError: NodeJS.ErrnoException | undefined
    current.on('error', (err: NodeJS.ErrnoException) => {
      if (current !== req) return
      // A parse error mid-body: the response still holds bytes parsed before it; its 'close' reports.
      if (response && !response.complete) responseError = err
      else fail(err.message, errnoOf(err))
    })
    current.on('response', (res) => {
      if (done || current !== req) return
      response = res
      const status = res.statusCode as number
      const location = res.headers.location
      if (REDIRECT_STATUSES.includes(status) && location !== undefined && options.redirect !== 'manual') {
        res.on('error', () => {})
        res.resume()
        current.destroy()
        return redirect(status, location)
      }
      const statusCode = config.stringStatusCode ? String(status) : status
      const responseHeader = joinRawHeaders(res.rawHeaders)
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] || [])
      if (chunked && !config.noHeadersCallback) {
        const info: WxHeadersResult<any> = { header: responseHeader, cookies }
        if (!config.noStatusInHeaders) info.statusCode = statusCode
        for (const cb of headersCallbacks.slice()) call(cb, info)
        if (done) return // aborted from the headers callback
      }
      const succeed = (): void => {
        if (done) return
        merger.flush()
        if (done) return // aborted from the last chunk callback
        done = true
        finish({
          data: responseData(Buffer.concat(bodyPieces), bodyThroughChunks, options),
          statusCode,
          header: responseHeader,
          cookies,
          errMsg: 'request:ok'
        }, true)
      }
      decoder = createBodyDecoder(res.headers['content-encoding'], {
        onData: deliver,
        onEnd: () => { if (pendingFailure) fail(pendingFailure.errMsg, pendingFailure.errno); else succeed() },
        onError: (err) => { if (pendingFailure) fail(pendingFailure.errMsg, pendingFailure.errno); else fail(err.message, ERRNO_NETWORK) }
      })
      res.on('data', (bytes: Buffer) => {
        if (done || pendingFailure) return
        if (decoder) decoder.write(bytes)
        else deliver(bytes)
      })
      res.on('end', () => {
        if (done || pendingFailure) return
        if (decoder) decoder.end()
        else succeed()
      })
      // 'close' without 'end': the connection broke, or the body did not parse, mid-body.
      res.on('close', () => {
        if (res.complete) return
        if (responseError) failMidBody(responseError.message, errnoOf(responseError))
        else failMidBody('network interrupted', ERRNO_INTERRUPTED)
      })
      res.on('error', () => { /* reported by 'close' */ })
    })
    current.end(body)
  }

  /** "HTTP-redirect fetch" (Fetch standard §4.4), as a phone's HTTP stack follows redirects for wx.request. */
  const redirect = (status: number, location: string): void => {
    if (++redirects > MAX_REDIRECTS) return fail(`too many redirects (more than ${MAX_REDIRECTS})`, ERRNO_NETWORK)
    let next: URL
    try {
      next = new URL(/[^\x00-\x7f]/.test(location) ? Buffer.from(location, 'latin1').toString('utf8') : location, url)
    } catch {
      return fail(`invalid redirect location ${JSON.stringify(location)}`, ERRNO_NETWORK)
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return fail(`redirect to a non-HTTP(S) URL ${JSON.stringify(next.href)}`, ERRNO_NETWORK)
    // "If internalResponse's status is 301 or 302 and request's method is `POST`", or "303 and
    // request's method is not `GET` or `HEAD`": a GET without body or request-body-headers.
    if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET'
      body = undefined
      for (const name of BODY_HEADERS) deleteHeader(header, name)
    }
    // "If request's current URL's origin is not same origin with locationURL's origin": the CORS
    // non-wildcard request-header name, `Authorization`, is deleted.
    if (next.origin !== url.origin) deleteHeader(header, 'authorization')
    url = next
    send()
  }

  const timeout = typeof options.timeout === 'number' && options.timeout > 0 ? Math.min(options.timeout, MAX_TIMEOUT) : DEFAULT_TIMEOUT
  timer = setTimeout(() => fail('timeout', ERRNO_TIMEOUT), timeout)
  send()
  return task
}

function parseUrl(value: unknown): URL {
  if (typeof value !== 'string') throw new Error(`invalid url ${String(value)}`)
  let url: URL
  try { url = new URL(value) } catch { throw new Error(`invalid url ${JSON.stringify(value)}`) }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid url ${JSON.stringify(value)} (not http or https)`)
  return url
}

/**
 * Header names must be tokens, values free of CR, LF and other control characters; a non-ASCII
 * value is sent as its UTF-8 bytes (Node writes header strings as Latin-1), as the WHATWG
 * EventSource sends `Last-Event-ID` ("encoded as UTF-8") instead of throwing.
 */
function encodeHeaders(given: unknown): Record<string, string> {
  const header: Record<string, string> = {}
  if (given == null) return header
  if (typeof given !== 'object') throw new Error('invalid header: not an object')
  for (const [name, raw] of Object.entries(given as Record<string, unknown>)) {
    if (raw === undefined || raw === null) continue
    if (!TOKEN.test(name)) throw new Error(`invalid header name ${JSON.stringify(name)}`)
    const text = String(raw)
    const value = /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new Error(`invalid header value for ${JSON.stringify(name)}: control characters (CR, LF, NUL…) are not allowed`)
    header[name] = value
  }
  return header
}

function hasHeader(header: Record<string, string>, lowerName: string): boolean {
  return Object.keys(header).some((k) => k.toLowerCase() === lowerName)
}

function deleteHeader(header: Record<string, string>, lowerName: string): void {
  for (const k of Object.keys(header)) if (k.toLowerCase() === lowerName) delete header[k]
}

/** wx: GET data becomes a query string; objects are sent as JSON unless the form type is asked for. */
function encodeBody(method: string, data: AnyOptions['data'], header: Record<string, string>, url: URL): Buffer | undefined {
  const typeKey = Object.keys(header).find((k) => k.toLowerCase() === 'content-type')
  if (!typeKey) header['content-type'] = 'application/json' // wx's default header
  const type = typeKey ? header[typeKey] : 'application/json'
  if (data == null) return undefined
  if (isArrayBuffer(data)) return Buffer.from(new Uint8Array(data))
  if (typeof data !== 'object') return Buffer.from(String(data))
  if (method === 'GET') {
    for (const [k, v] of Object.entries(data)) url.searchParams.append(k, String(v))
    return undefined
  }
  if (/x-www-form-urlencoded/i.test(type)) {
    const form = new URLSearchParams()
    for (const [k, v] of Object.entries(data)) form.append(k, String(v))
    return Buffer.from(form.toString())
  }
  return Buffer.from(JSON.stringify(data))
}

function responseData(whole: Buffer, bodyWentThroughChunks: boolean, options: AnyOptions): any {
  if (options.responseType === 'arraybuffer') return toArrayBuffer(bodyWentThroughChunks ? Buffer.alloc(0) : whole)
  if (bodyWentThroughChunks) return ''
  const text = whole.toString('utf8')
  if ((options.dataType || 'json') !== 'json') return text
  try { return JSON.parse(text) } catch { return text }
}

/** Header values as strings under their original casing; repeated names joined as Node does. */
function joinRawHeaders(raw: string[]): Record<string, string> {
  const header: Record<string, string> = {}
  const nameOf: Record<string, string> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase()
    const name = nameOf[lower] || (nameOf[lower] = raw[i])
    header[name] = name in header ? header[name] + ', ' + raw[i + 1] : raw[i + 1]
  }
  return header
}

function errnoOf(err: NodeJS.ErrnoException): number {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' ? ERRNO_INTERRUPTED : ERRNO_NETWORK
}

/** A fresh ArrayBuffer of this realm (Node's Buffers view a shared pool of another realm under jest). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(copy).set(bytes)
  return copy
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]'
}

function remove<T>(list: T[], item?: T): void {
  if (!item) list.length = 0
  else if (list.indexOf(item) >= 0) list.splice(list.indexOf(item), 1)
}

/** Calls a user callback; a throw is reported with console.error and derails nothing (wx logs it and goes on). */
function call<T>(cb: ((res: T) => void) | undefined, res: T): void {
  if (typeof cb !== 'function') return
  try {
    cb(res)
  } catch (err) {
    console.error(PREFIX + 'a wx.request callback threw:', err)
  }
}
