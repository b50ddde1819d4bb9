// bundler (Vite, webpack, rollup): exports "import" condition.
import { connectEventSource, install, ERR_END, type UniMessageEvent } from 'miniprogram-eventsource'
import { createWx, createWxRequest } from 'miniprogram-eventsource/node'

install()
const es = connectEventSource({ url: 'http://127.0.0.1:1/sse', request: createWx().request })
es.onOpen((ev: UniMessageEvent) => ev.type)
es.onMessage((ev) => ev.data.toUpperCase())
es.onError((err) => (err.errCode === ERR_END ? 'end' : err.errMsg))
const wxRequest = createWxRequest()
connectEventSource({ url: 'http://127.0.0.1:1/sse', request: wxRequest })
// @ts-expect-error url is required
connectEventSource({})
