// The Taro (weapp) side of the integration test: what a Taro page's code does, bundled with
// Taro's weapp runtime the way `taro build --type weapp` wires it (the platform plugin's runtime
// registers the `initNativeApi` hook that fills Taro's API object from `wx`).
import '@tarojs/plugin-platform-weapp/dist/runtime'
import Taro from '@tarojs/taro'
import { connectEventSource } from 'miniprogram-eventsource'

export { Taro }

/** Streams `url` into `state` ({ answer, status, errCode, errMsg, messages }) with Taro.request. */
export function ask(url, state) {
  state.answer = ''
  state.status = 'connecting'
  state.messages = 0
  const es = connectEventSource({ url, request: Taro.request })
  es.onOpen(() => { state.status = 'open' })
  es.onMessage((ev) => {
    if (ev.data === '[DONE]') {
      es.close()
      state.status = 'done'
      return
    }
    state.messages++
    state.answer += JSON.parse(ev.data).delta
  })
  es.onError((err) => {
    state.errCode = err.errCode
    state.errMsg = err.errMsg
    state.status = 'error'
  })
  return es
}

/** Interceptors an app writes: one that returns chain.proceed(...) as is, one that chains .then on it. */
const own = {
  // Adds a token and returns what chain.proceed returns: the Promise with the task methods on it.
  proceed: (chain) => {
    const params = chain.requestParams
    params.header = Object.assign({}, params.header, { Authorization: 'Bearer T' })
    return chain.proceed(params)
  },
  // `.then(...)` makes a new Promise: the task methods (onChunkReceived) are not on it.
  then: (chain) => chain.proceed(chain.requestParams).then((res) => res)
}

/** Sets one request interceptor: Taro's own (`logInterceptor`, `timeoutInterceptor`) or one of `own`. */
export function useInterceptor(name) {
  Taro.cleanInterceptors()
  if (name) Taro.addInterceptor(Taro.interceptors[name] || own[name])
}
