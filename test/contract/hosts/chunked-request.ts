/**
 * A fake of the wx.request family with the chunk API, from the hosts' documentation:
 *  - WeChat `wx.request` (developers.weixin.qq.com: RequestTask.onHeadersReceived,
 *    onChunkReceived `{data: ArrayBuffer}` since base library 2.20.1, success `{data, statusCode,
 *    header}`, fail `{errMsg, errno}`, `abort()` then fail 'request:fail abort');
 *  - QQ `qq.request`: the same shape (no separate evidence: feature-detected like wx);
 *  - Baidu `swan.request`: chunk `data` is a string (ecomfe/sse-kit requestStreaming/index.swan.ts
 *    reads it as text); success repeats the whole body as text;
 *  - HarmonyOS atomic services `has.request` (developer.huawei.com atomic-references
 *    apis-request: `enableChunked` since 2.0.2, responseType text/arraybuffer).
 */
import type { Host, ServerRequest } from './types'
import { bodyText, lowerCase, requestQueue } from './types'
import { connectEventSource as connectUniversal } from '../../../src/universal'
import { connectEventSource as connectCore } from '../../../src/index'

type Global = 'wx' | 'qq' | 'swan' | 'has'

function arrayBuffer(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

export function chunkedRequestHost(global: Global, options: { stringChunks?: boolean; entry?: 'core' | 'universal' } = {}): Host {
  const queue = requestQueue()
  const text = !!options.stringChunks
  const request = (opts: any) => {
    let onHeaders: ((res: any) => void) | undefined
    let onChunk: ((res: any) => void) | undefined
    let status = 0
    let header: Record<string, string> = {}
    let whole = ''
    let finished = false
    let aborted = false
    const chunk = (piece: string) => (text ? piece : arrayBuffer(piece))
    const server: ServerRequest = {
      method: opts.method,
      url: opts.url,
      header: lowerCase(opts.header),
      body: bodyText(opts.data),
      get aborted() {
        return aborted
      },
      respond(statusCode, h) {
        status = statusCode
        header = h
        if (onHeaders) onHeaders({ statusCode, header: h, cookies: [] })
      },
      write(piece) {
        whole += piece
        if (onChunk) onChunk({ data: chunk(piece) })
      },
      end() {
        finished = true
        opts.success({ statusCode: status, header, data: text ? whole : new ArrayBuffer(0) })
      },
      fail() {
        finished = true
        opts.fail({ errMsg: 'request:fail net::ERR_CONNECTION_RESET', errno: undefined })
      },
      late() {
        if (onChunk) onChunk({ data: chunk('data: late\n\n') })
        if (onHeaders) onHeaders({ statusCode: 200, header: { 'Content-Type': 'text/event-stream' } })
        opts.success({ statusCode: 200, header: { 'Content-Type': 'text/event-stream' }, data: chunk('data: late\n\n') })
        opts.fail({ errMsg: 'request:fail abort' })
      }
    }
    queue.push(server)
    return {
      abort() {
        aborted = true
        // wx: an aborted task fails with 'request:fail abort'
        if (!finished) opts.fail({ errMsg: 'request:fail abort' })
        finished = true
      },
      onHeadersReceived(cb: (res: any) => void) {
        onHeaders = cb
      },
      onChunkReceived(cb: (res: any) => void) {
        onChunk = cb
      },
      offHeadersReceived() {},
      offChunkReceived() {}
    }
  }
  const g = globalThis as any
  const previous = g[global]
  g[global] = { request, getSystemInfoSync: () => ({}) }
  const connect = options.entry === 'core' ? connectCore : connectUniversal
  return {
    name: (options.entry === 'core' ? 'core entry, ' : '') + global + '.request' + (text ? ' (string chunks)' : ''),
    origin: 'https://api.example.invalid',
    normalEnd: 200,
    streams: true,
    native: false,
    connect: (o) => connect(o as any),
    nextRequest: () => queue.next(),
    requests: queue.all,
    ownReconnects: 0,
    async dispose() {
      if (previous === undefined) delete g[global]
      else g[global] = previous
    }
  }
}
