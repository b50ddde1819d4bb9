import type { RequestFunction, RequestOptions, RequestTask } from '../types'
import type { Transport } from '../transport'
import { ERR_NETWORK, ERR_NO_STREAM, TAG, createError } from '../errors'

/*
 * The transport of WeChat and every host whose `request` returns a task with `onChunkReceived`
 * (QQ, Baidu, HarmonyOS atomic services; uni.request and Taro.request on them): one
 * `request({ enableChunked: true, responseType: 'arraybuffer' })` per connection
 * (wx.request, base library 2.20.2; `RequestTask.onChunkReceived`, 2.20.1).
 */

/**
 * Defined (true) only in the native WeChat bundle, miniprogram_dist/index.js (rollup.config.js):
 * 构建 npm serves it to native mini-programs, whose wx.request returns a task, never a Promise.
 * uni-app and Taro builds load dist/ (their bundlers read `exports`), which keeps the Promise
 * handling below.
 */
declare const __NATIVE_WECHAT__: true | undefined
/** Promise-shaped request functions (Taro, uni interceptors) are handled: not in the native bundle. */
export const FRAMEWORKS = typeof __NATIVE_WECHAT__ === 'undefined'

export function requestTransport(request: RequestFunction): Transport {
  return (req, sink) => {
    // Feature detection, not version checks: a framework wrapper may drop the chunk API.
    let chunkApi = false
    let chunked = false
    // A request may settle twice (its callback, then its Promise): the event source hears only the first.
    function success(res: any): void {
      res = res || {}
      const statusCode = +res.statusCode || undefined
      // With enableChunked the body went through the chunks; without chunk callbacks (PC WeChat,
      // a buffering proxy) the whole body is here.
      const data = chunked ? null : res.data
      if (!chunkApi && !(data && (data.byteLength || data.length)) && (statusCode || 200) === 200) {
        // [extension] No chunk could ever arrive and the body is empty: the answer was lost in a
        // wrapper that returned no task (an interceptor's Promise), never an empty success.
        return sink.fail(createError(ERR_NO_STREAM, TAG + 'no chunk API and no body: pass wx.request'), false)
      }
      sink.end(statusCode, res.header, data)
    }
    function fail(res: any): void {
      res = res || {}
      sink.fail(createError(res.errno || ERR_NETWORK, res.errMsg || 'request:fail', res), true)
    }
    const returned = request(Object.assign({ responseType: 'arraybuffer', enableChunked: true, success, fail }, req) as RequestOptions) as any
    // The task (in framework builds `returned` may be a Promise of it instead: see below).
    let task: RequestTask = returned
    let aborted = false
    /** Listens to the task's chunk API, where it has one (feature detection, not versions). */
    function listen(): void {
      if (task.onHeadersReceived) task.onHeadersReceived((res) => sink.head(+(res.statusCode as any) || undefined, res.header))
      if (task.onChunkReceived) {
        chunkApi = true
        task.onChunkReceived((res) => {
          chunked = true
          sink.body(res.data)
        })
      }
    }
    if (FRAMEWORKS && returned && returned.then) {
      // A Promise: Taro.request's carries the task methods (and rejects on fail); a uni
      // interceptor with an async `invoke` returns one that resolves with the real task, which is
      // adopted (chunks cannot arrive before a resolved Promise's callbacks run); one resolving
      // with a response settles the request. Its rejection is consumed: close(), an abort or a
      // network failure leaves no unhandled rejection.
      returned.then((value: any) => {
        if (value && value.onChunkReceived && !chunkApi) {
          task = value
          listen()
          if (aborted) value.abort()
        } else if (value && value.statusCode) success(value)
      }, fail)
    }
    if (task) listen()
    return {
      abort() {
        if (FRAMEWORKS) aborted = true
        task.abort()
      }
    }
  }
}
