// A WeChat mini-program page in strict TypeScript with miniprogram-api-typings (`wx` global).
import { connectEventSource, type UniEventSource } from 'miniprogram-eventsource'

// wx.request is overloaded (a task with callbacks, a Promise without): it must be accepted as is.
const es: UniEventSource = connectEventSource({
  url: 'https://api.example.com/v1/chat/completions',
  method: 'POST',
  header: { 'Content-Type': 'application/json' },
  data: { stream: true },
  request: wx.request
})
es.onMessage((ev) => {
  const text: string = ev.data
  return text
})
es.onError((err) => err.errCode + err.errMsg)
// The default (no `request`) is the global wx.request, looked up when connecting.
connectEventSource({ url: 'https://api.example.com/sse' }).close()

// Also a bound wrapper that passes wx's own option type through.
connectEventSource({ url: 'https://api.example.com/sse', request: (options) => wx.request(options) })

// @ts-expect-error not a request function
connectEventSource({ url: 'https://api.example.com/sse', request: wx.getStorageSync })
