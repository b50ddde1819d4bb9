import type { Transport } from '../transport'
import { ERR_NETWORK, TAG, createError } from '../errors'

/*
 * The H5 / Node transport: WHATWG Fetch (`fetch()` and the response body's ReadableStream reader),
 * for uni-app H5, Taro H5, plain web pages, SSR and Node >= 18. Unlike the browser's EventSource
 * it sends any method, headers and a body (what AI APIs need). Each `read()` goes to the event
 * source as bytes, which it decodes with its own streaming UTF-8 decoder: no global TextDecoder
 * is needed or trusted, so a page gets exactly the decoding a phone gets.
 *
 * Close and timeout abort through an AbortController when there is one, and cancel the body's
 * reader in any case (so an old engine without AbortController still stops reading).
 */

// The shapes used, declared here (no DOM lib types in src).
interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>
  cancel(reason?: any): Promise<void>
}
/** The part of a fetch `Response` this transport uses. */
export interface FetchResponse {
  status: number
  headers: { forEach(callback: (value: string, name: string) => void): void }
  body?: { getReader(): BodyReader } | null
  arrayBuffer(): Promise<ArrayBuffer>
}
/** The part of `RequestInit` this transport passes. */
export interface FetchInit {
  method: string
  headers: Record<string, string>
  body?: any
  signal?: any
}
/** A function shaped like the global `fetch`. */
export type FetchFunction = (url: string, init: FetchInit) => Promise<FetchResponse>

interface AbortControllerLike {
  signal: any
  abort(): void
}
declare const fetch: FetchFunction | undefined
declare const AbortController: { new (): AbortControllerLike } | undefined
declare function setTimeout(callback: () => void, ms: number): unknown
declare function clearTimeout(id: unknown): void

function hasHeader(header: Record<string, string>, name: string): boolean {
  for (const key in header) if (key.toLowerCase() === name) return true
  return false
}

/** True for an ArrayBuffer or a typed array / DataView (sent as they are). */
function isBinary(data: any): boolean {
  return Object.prototype.toString.call(data) === '[object ArrayBuffer]' || (data && ArrayBuffer.isView(data))
}

/** `data` as wx.request sends it for GET: `k=v&…`, URI-encoded, appended to the URL. */
function withQuery(url: string, data: any): string {
  let query = ''
  if (typeof data === 'string') query = data
  else for (const key in data) query += (query ? '&' : '') + encodeURIComponent(key) + '=' + encodeURIComponent(data[key])
  return query ? url + (url.indexOf('?') < 0 ? '?' : '&') + query : url
}

/**
 * [extension] The fetch transport. `fetchFunction` defaults to the global `fetch`, looked up when
 * connecting.
 */
export function fetchTransport(fetchFunction?: FetchFunction): Transport {
  return (req, sink) => {
    const fetchFn = fetchFunction || (typeof fetch !== 'undefined' ? fetch : undefined)
    if (typeof fetchFn !== 'function') throw new Error(TAG + 'no fetch')
    const controller = typeof AbortController !== 'undefined' ? new AbortController() : null
    const header: Record<string, string> = {}
    for (const key in req.header) header[key] = req.header[key]
    let url = req.url
    const init: FetchInit = { method: req.method, headers: header }
    if (controller) init.signal = controller.signal
    // `data` as wx.request sends it: a query string for GET/HEAD, else the body; objects as JSON.
    const data = req.data
    if (data != null) {
      if (req.method === 'GET' || req.method === 'HEAD') url = withQuery(url, data)
      else if (typeof data === 'string' || isBinary(data)) init.body = data
      else {
        init.body = JSON.stringify(data)
        if (!hasHeader(header, 'content-type')) header['Content-Type'] = 'application/json'
      }
    }

    let done = false
    let reader: BodyReader | null = null
    const timer = setTimeout(() => {
      if (done) return
      stop()
      sink.fail(createError(ERR_NETWORK, 'request:fail timeout'), true)
    }, req.timeout)

    function stop(): void {
      done = true
      clearTimeout(timer)
      if (controller) controller.abort()
      if (reader) reader.cancel().then(undefined, () => undefined)
    }

    function failed(error: any): void {
      if (done) return
      stop()
      sink.fail(createError(ERR_NETWORK, 'request:fail ' + ((error && error.message) || error), null, error), true)
    }

    fetchFn(url, init).then((res) => {
      if (done) return
      const responseHeader: Record<string, string> = {}
      res.headers.forEach((value, name) => {
        responseHeader[name] = value
      })
      const status = res.status
      sink.head(status, responseHeader)
      if (done) return
      const body = res.body
      if (!body || typeof body.getReader !== 'function') {
        // A fetch without streams (some polyfills): the whole body, once it is complete.
        res.arrayBuffer().then((buffer) => {
          if (done) return
          done = true
          clearTimeout(timer)
          sink.end(status, responseHeader, buffer)
        }, failed)
        return
      }
      const current = body.getReader()
      reader = current
      const pump = (): void => {
        current.read().then((result) => {
          if (done) return
          if (result.done) {
            done = true
            clearTimeout(timer)
            return sink.end(status, responseHeader)
          }
          if (result.value && result.value.byteLength) sink.body(result.value)
          if (!done) pump()
        }, failed)
      }
      pump()
    }, failed)

    return { abort: stop }
  }
}
