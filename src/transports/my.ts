import type { RequestFunction, RequestOptions, RequestTask } from '../types'

/*
 * Alipay and DingTalk: `my.request` (DingTalk: `my.httpRequest`, which its client still needs)
 * made to look like wx.request, so the request transport drives it. Source: Alipay open docs,
 * mini/api/基础API/网络/my.request (AlipayDocs/open-docs "my.request.md", "my.request 常见问题.md"):
 *  - the request option is `headers`; success gives `{data, status, headers}`;
 *  - `dataType` json / text / base64 / arraybuffer (arraybuffer since client 10.1.70);
 *    my.httpRequest knows json / text / base64 only;
 *  - failures come through `fail` as `{error, errorMessage}`; error 19 is "HTTP 错误" (a non-2xx
 *    status), and such a failure carries the response's `status`, `headers` and `data`;
 *  - timeout: default 30 s, at most 60 s — a stream longer than that fails with error 13;
 *  - the task has only `abort()`: no chunk API, nothing can stream. The whole body arrives in
 *    `success`, and the event source delivers its events then, reporting the end (errCode 200)
 *    with `data.streamed === false`.
 */

/** The options `my.request` / `my.httpRequest` take (the part this adapter passes). */
export interface MyRequestOptions {
  url: string
  method: string
  headers: Record<string, string>
  data?: any
  timeout: number
  dataType: 'arraybuffer' | 'text'
  success(res: { status?: number; headers?: Record<string, any>; data?: any }): void
  fail(res: { error?: number; errorMessage?: string; status?: number; headers?: Record<string, any>; data?: any }): void
}

/** A function shaped like `my.request`. */
export type MyRequestFunction = (options: MyRequestOptions) => { abort?(): void } | void

declare const my: { request?: MyRequestFunction; httpRequest?: MyRequestFunction } | undefined

/** Alipay's `error` for a response with a non-2xx status. */
const HTTP_ERROR = 19

/**
 * [extension] A wx.request-shaped function over `my.request` (or the given function), for the
 * `request` option. Without an argument it uses the global `my.request`, else `my.httpRequest`
 * (DingTalk), looked up when connecting. A non-2xx response (error 19) is delivered as a response
 * with its status, so the event source reports the status as the errCode, with the body.
 * Other failures become wx-style `{errMsg}` failures (errCode 600000), Alipay's `error` and
 * `errorMessage` kept in the error's `data`.
 */
export function myRequest(request?: MyRequestFunction): RequestFunction {
  return (options: RequestOptions): RequestTask | void => {
    const host = typeof my !== 'undefined' && my
    // my.httpRequest knows no arraybuffer: ask it for text (the event source takes text too).
    const fn = request || (host && (host.request || host.httpRequest))
    const binary = !!(request || (host && host.request))
    if (typeof fn !== 'function') throw new Error('no my.request')
    const myOptions: MyRequestOptions = {
      url: options.url,
      method: options.method,
      headers: options.header,
      timeout: options.timeout,
      dataType: binary && options.responseType === 'arraybuffer' ? 'arraybuffer' : 'text',
      success: (res) => {
        res = res || {}
        options.success({ statusCode: res.status as number, header: res.headers || {}, data: res.data })
      },
      fail: (res) => {
        res = res || {}
        if (res.error === HTTP_ERROR && res.status) {
          options.success({ statusCode: res.status, header: res.headers || {}, data: res.data })
        } else {
          const failure = {
            errMsg: 'request:fail ' + (res.errorMessage || '') + ' (my.request error ' + res.error + ')',
            error: res.error,
            errorMessage: res.errorMessage
          }
          options.fail(failure)
        }
      }
    }
    if (options.data !== undefined) myOptions.data = options.data
    const task = host && !request ? fn.call(host, myOptions) : fn(myOptions)
    return {
      abort() {
        if (task && typeof task.abort === 'function') task.abort()
      }
    }
  }
}
