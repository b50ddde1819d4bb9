/**
 * `miniprogram-eventsource/node`: a Node implementation of `wx.request`'s chunked API, to run the
 * event source outside a mini-program and to reproduce real-device quirks in tests.
 */
export { createWxRequest, createWx, wxRequest, ERRNO_TIMEOUT, ERRNO_NETWORK, ERRNO_INTERRUPTED, MAX_REDIRECTS } from './wx-request'
export type {
  WxRequestQuirks,
  CreateWxRequestOptions,
  WxRequestFunction,
  WxRequestOptions,
  WxRequestSuccess,
  WxRequestFail,
  WxResponseData,
  WxHeadersResult,
  WxRequestTask
} from './wx-request'
