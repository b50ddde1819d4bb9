// A uni-app (Vue 3) project in strict TypeScript with @dcloudio/types (`uni` global).
import { connectEventSource, install } from 'miniprogram-eventsource'

// 1. The request function passed explicitly: uni.request, overloaded and generic, as is.
const es = connectEventSource({ url: 'https://api.example.com/sse', method: 'POST', data: { q: 1 }, request: uni.request })
es.onMessage((ev) => ev.data.length)
es.close()

// 2. install(), then the uni-app x API on the global `uni` (declared by miniprogram-eventsource/uni).
install()
const source = uni.connectEventSource({ url: 'https://api.example.com/sse', header: { Authorization: 'Bearer t' } })
source.onOpen((ev) => ev.type)
source.onMessage((ev) => {
  const text: string = ev.data
  const id: string = ev.lastEventId
  return text + id
})
source.onError((err) => err.errCode)
source.close()

// @ts-expect-error url is required
uni.connectEventSource({})
