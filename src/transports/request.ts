import type { RequestFunction, RequestOptions, RequestTask } from '../types'
import type { Transport } from '../transport'
import { ERR_NETWORK, ERR_NO_STREAM, TAG, createError } from '../errors'

/*
 * The transport of WeChat and every host whose `request` returns a task with `onChunkReceived`
 * (QQ, Baidu, HarmonyOS atomic services; uni.request and Taro.request on them): one
 * `request({ enableChunked: true, responseType: 'arraybuffer' })` per connection
 * (wx.request, base library 2.20.2; `RequestTask.onChunkReceived`, 2.20.1).
 */

/** What a host may give where we asked for an ArrayBuffer: Baidu gives text chunks. */
function isEmpty(data: any): boolean {
  return !data || data.byteLength === 0
}

export function requestTransport(request: RequestFunction): Transport {
  return (req, sink) => {
    // Feature detection, not version checks: a framework wrapper may drop the chunk API.
    let chunkApi = false
    let chunked = false
    let settled = false
    function success(res: any): void {
      if (settled) return
      settled = true
      res = res || {}
      const statusCode = +res.statusCode || undefined
      // With enableChunked the body went through the chunks; without chunk callbacks (PC WeChat,
      // a buffering proxy) the whole body is here.
      const data = chunked ? null : res.data
      if (!chunked && !chunkApi && isEmpty(data) && (statusCode === 200 || statusCode === undefined)) {
        // [extension] No chunk could ever arrive and the body is empty: the answer was lost in a
        // wrapper that returned no task (a Promise), never an empty success.
        return sink.fail(
          createError(
            ERR_NO_STREAM,
            TAG + 'no body, no onChunkReceived on the task (an interceptor Promise?): pass the host request, e.g. wx.request'
          ),
          false
        )
      }
      sink.end(statusCode, res.header, data)
    }
    function fail(res: any): void {
      if (settled) return
      settled = true
      res = res || {}
      sink.fail(createError(res.errno || ERR_NETWORK, res.errMsg || TAG + 'request:fail', res), true)
    }
    const options: RequestOptions = {
      url: req.url,
      method: req.method as RequestOptions['method'],
      header: req.header,
      timeout: req.timeout,
      responseType: 'arraybuffer',
      enableChunked: true,
      success,
      fail
    }
    if (req.data !== undefined) options.data = req.data
    const task = request(options) as RequestTask | PromiseLike<any> | void
    const t = task as any
    if (t) {
      if (t.then) {
        // Taro.request returns a Promise with the task methods copied on; a uni interceptor with
        // an async `invoke` returns a bare Promise. Settle from it too, and consume its rejection
        // so close(), an abort or a network failure leaves no unhandled rejection.
        t.then(success, fail)
      }
      if (t.onHeadersReceived) {
        t.onHeadersReceived((res: any) => sink.head(+res.statusCode || undefined, res.header))
      }
      if (t.onChunkReceived) {
        chunkApi = true
        t.onChunkReceived((res: any) => {
          chunked = true
          sink.body(res.data)
        })
      }
    }
    return {
      abort() {
        settled = true
        t.abort()
      }
    }
  }
}
