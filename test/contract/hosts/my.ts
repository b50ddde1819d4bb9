/**
 * A fake of Alipay's `my.request` from the Alipay open docs (AlipayDocs/open-docs
 * mini/api/基础API/网络/my.request.md and "my.request 常见问题.md"): option `headers` (not
 * header), `dataType` json/text/base64/arraybuffer, success `{data, status, headers}` (not
 * statusCode/header), failures `{error, errorMessage}` — error 19 "HTTP 错误" for a non-2xx status,
 * carrying `status`, `headers` and `data` —, a task with only `abort()` (then
 * `{error: 9, errorMessage: 'request:fail abort'}`), no chunk API: the body arrives whole.
 * `httpRequest: true` fakes DingTalk's my.httpRequest instead (no arraybuffer dataType).
 */
import type { Host, ServerRequest } from './types'
import { bodyText, lowerCase, requestQueue } from './types'
import { connectEventSource } from '../../../src/universal'

function arrayBuffer(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

export function myHost(options: { httpRequest?: boolean } = {}): Host & { dataTypes: string[] } {
  const queue = requestQueue()
  const dataTypes: string[] = []
  const request = (opts: any) => {
    if ('header' in opts) throw new Error('my.request takes `headers`, not `header`')
    dataTypes.push(opts.dataType)
    if (options.httpRequest && opts.dataType === 'arraybuffer') throw new Error('my.httpRequest has no arraybuffer dataType')
    let status = 0
    let headers: Record<string, string> = {}
    let whole = ''
    let finished = false
    let aborted = false
    const data = () => {
      if (opts.dataType === 'arraybuffer') return arrayBuffer(whole)
      if (opts.dataType === 'text') return whole
      return JSON.parse(whole)
    }
    const server: ServerRequest = {
      method: opts.method || 'GET',
      url: opts.url,
      header: lowerCase(opts.headers),
      body: bodyText(opts.data),
      get aborted() {
        return aborted
      },
      respond(statusCode, h) {
        status = statusCode
        headers = h
      },
      write(piece) {
        whole += piece
      },
      end() {
        if (finished) return
        finished = true
        if (status >= 200 && status < 300) opts.success({ data: data(), status, headers })
        else opts.fail({ error: 19, errorMessage: 'http status error', status, headers, data: data() })
      },
      fail() {
        finished = true
        opts.fail({ error: 12, errorMessage: '网络出错' })
      },
      late() {
        opts.success({ data: arrayBuffer('data: late\n\n'), status: 200, headers: { 'Content-Type': 'text/event-stream' } })
        opts.fail({ error: 9, errorMessage: 'request:fail abort' })
      }
    }
    queue.push(server)
    return {
      abort() {
        aborted = true
        if (!finished) opts.fail({ error: 9, errorMessage: 'request:fail abort' })
        finished = true
      }
    }
  }
  const g = globalThis as any
  const previous = g.my
  g.my = options.httpRequest ? { httpRequest: request } : { request, httpRequest: () => { throw new Error('my.request exists: use it') } }
  return {
    name: options.httpRequest ? 'my.httpRequest (DingTalk)' : 'my.request (Alipay)',
    origin: 'https://api.example.invalid',
    normalEnd: 200,
    streams: false,
    native: false,
    dataTypes,
    connect: (o) => connectEventSource(o as any),
    nextRequest: () => queue.next(),
    requests: queue.all,
    ownReconnects: 0,
    async dispose() {
      if (previous === undefined) delete g.my
      else g.my = previous
    }
  }
}
