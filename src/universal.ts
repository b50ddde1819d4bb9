import type { ConnectEventSourceOptions, RequestFunction, UniEventSource } from './types'
import type { Transport } from './transport'
import { connectEventSource as connect } from './event-source'
import { put } from './install'
import { ttTransport } from './transports/tt'
import { fetchTransport } from './transports/fetch'
import { myRequest } from './transports/my'

/*
 * `miniprogram-eventsource/universal`: one connectEventSource for every target a uni-app or Taro
 * project builds. The host's transport is chosen by feature detection when connecting (never by
 * user agent), in this order:
 *
 *   options.transport   forced by the user
 *   options.request     a wx.request-shaped function (the request transport)
 *   tt.createEventSource  Douyin, base library >= 3.35.0 (native SSE; see transports/tt.ts)
 *   wx / qq / swan / has .request  WeChat, QQ, Baidu, HarmonyOS atomic services: chunked request
 *                       (uni.request instead when there is one: its interceptors apply)
 *   tt.request          older Douyin: no streaming, the whole body at the end
 *   my.request / my.httpRequest  Alipay, DingTalk: no streaming (see transports/my.ts)
 *   fetch + ReadableStream  H5, Node >= 18
 *   none                errCode 1002, as the core reports a missing request function
 *
 * The WeChat entry (`miniprogram-eventsource`) contains none of this.
 */

export * from './index'
export { requestTransport } from './transports/request'
export { ttTransport, serializeTtMessage } from './transports/tt'
export type { TtCreateEventSource, TtEventSourceTask, TtMessage } from './transports/tt'
export { fetchTransport } from './transports/fetch'
export type { FetchFunction, FetchInit, FetchResponse } from './transports/fetch'
export { myRequest } from './transports/my'
export type { MyRequestFunction, MyRequestOptions } from './transports/my'
export type { Transport, TransportRequest, ConnectionSink, Connection } from './transport'

declare const tt: Record<string, any> | undefined
declare const wx: Record<string, any> | undefined
declare const qq: Record<string, any> | undefined
declare const swan: Record<string, any> | undefined
declare const has: Record<string, any> | undefined
declare const my: Record<string, any> | undefined
declare const fetch: unknown
declare const ReadableStream: unknown
declare const uni: Record<string, any> | undefined

/** A host's `request`, called as a method of its host object. */
function method(host: Record<string, any>): RequestFunction {
  return (options) => host.request(options)
}

function hasFunction(host: any, name: string): boolean {
  return !!host && typeof host[name] === 'function'
}

/** The host's transport, or its request function, or nothing: what the core then connects with. */
export function detectHost(): { transport?: Transport; request?: RequestFunction; name: string } {
  if (typeof tt !== 'undefined' && hasFunction(tt, 'createEventSource')) return { transport: ttTransport(), name: 'tt.createEventSource' }
  const chunked: Array<[string, any]> = [
    ['wx', typeof wx !== 'undefined' && wx],
    ['qq', typeof qq !== 'undefined' && qq],
    ['swan', typeof swan !== 'undefined' && swan],
    ['has', typeof has !== 'undefined' && has]
  ]
  for (let i = 0; i < chunked.length; i++) {
    if (!hasFunction(chunked[i][1], 'request')) continue
    // In a uni-app build uni.request is that host's request with the project's interceptors
    // (as the core's default lookup prefers it).
    if (typeof uni !== 'undefined' && hasFunction(uni, 'request')) return { request: method(uni!), name: 'uni.request (' + chunked[i][0] + ')' }
    return { request: method(chunked[i][1]), name: chunked[i][0] + '.request' }
  }
  if (typeof tt !== 'undefined' && hasFunction(tt, 'request')) return { request: method(tt!), name: 'tt.request' }
  if (typeof my !== 'undefined' && (hasFunction(my, 'request') || hasFunction(my, 'httpRequest'))) {
    return { request: myRequest(), name: hasFunction(my, 'request') ? 'my.request' : 'my.httpRequest' }
  }
  // Streams are what make fetch stream; a fetch without them still gets the whole body.
  if (typeof fetch === 'function' && typeof ReadableStream !== 'undefined') return { transport: fetchTransport(), name: 'fetch' }
  return { name: '' }
}

/**
 * Opens an event source over the host's own HTTP machinery (see the order above). Same contract,
 * callbacks and errCodes as the WeChat entry's `connectEventSource`.
 */
export function connectEventSource(options: ConnectEventSourceOptions): UniEventSource {
  if (!options || options.transport || options.request) return connect(options)
  const host = detectHost()
  const chosen: ConnectEventSourceOptions = {} as ConnectEventSourceOptions
  for (const key in options) (chosen as any)[key] = (options as any)[key]
  if (host.transport) chosen.transport = host.transport
  else if (host.request) chosen.request = host.request
  return connect(chosen)
}

/**
 * Sets this entry's `connectEventSource` on the global `uni` (when there is one) and on `target`,
 * wherever it is missing. An existing one — uni-app x's native `uni.connectEventSource` on App —
 * is kept.
 */
export function install(target?: Record<string, any>): void {
  if (typeof uni !== 'undefined') put(uni, connectEventSource)
  put(target, connectEventSource)
}
