// uni-app x's own declarations (@dcloudio/uni-app-x, uni-sse/utssdk/interface.d.ts): code typed
// against them must accept this library, with no cast.
import type {
  ConnectEventSource,
  ConnectEventSourceCallback,
  ConnectEventSourceErrorCallback,
  UniEventSource as XUniEventSource,
  UniMessageEvent as XUniMessageEvent
} from '@dcloudio/uni-app-x/types/uni/uts-plugin-api/lib/uni-sse/utssdk/interface'
import { connectEventSource, type UniMessageEvent } from 'miniprogram-eventsource'

// Our connectEventSource is assignable to uni-app x's ConnectEventSource (options with
// `header?: UTSJSONObject | null`), and what it returns to their UniEventSource.
const connect: ConnectEventSource = connectEventSource
const es: XUniEventSource = connect({ url: 'https://api.example.com/sse', header: new UTSJSONObject({ a: 'b' }) })

// Callbacks typed for uni-app x are accepted by our source.
const onMessage: ConnectEventSourceCallback = (ev: XUniMessageEvent) => void [ev.type, ev.data, ev.lastEventId]
const onError: ConnectEventSourceErrorCallback = (err: UniError) => void [err.errSubject, err.errCode, err.data, err.cause]
const ours = connectEventSource({ url: 'https://api.example.com/sse' })
ours.onOpen(onMessage)
ours.onMessage(onMessage)
ours.onError(onError)

// Our UniMessageEvent has their three fields, required and nullable as theirs: each way assignable.
const fromTheirs: UniMessageEvent = new (class implements XUniMessageEvent {
  type: string | null = null
  data: any | null = null
  lastEventId: string | null = null
})()
const toTheirs: XUniMessageEvent = fromTheirs
es.close()
void toTheirs
