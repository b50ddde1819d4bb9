import { connectEventSource } from './event-source'
import { FRAMEWORKS } from './transports/request'

declare const uni: Record<string, any> | undefined

/**
 * Sets `connectEventSource` on the global `uni` (when there is one) and on `target`, wherever
 * it is missing, so code written for uni-app x apps runs unchanged in a uni-app mp-weixin build.
 * An existing implementation (uni-app x's native one) is left alone.
 *
 * The installed function is `connectEventSource` itself, whose default request function is
 * `uni.request` where a global `uni` exists (so uni's request interceptors — token, baseURL —
 * apply), else `wx.request`.
 */
export function install(target?: Record<string, any>): void {
  // (No global `uni` exists where the native WeChat bundle runs: it looks for none.)
  if (FRAMEWORKS && typeof uni !== 'undefined') put(uni, connectEventSource)
  put(target, connectEventSource)
}

/** Sets `connect` as `t.connectEventSource` unless `t` has one (also used by the universal entry). */
export function put(t: Record<string, any> | undefined, connect: (options: any) => any): void {
  if (t && typeof t.connectEventSource !== 'function') t.connectEventSource = connect
}
