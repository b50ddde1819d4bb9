// The declaration is opt-in: without miniprogram-eventsource/uni, @dcloudio/types has no
// uni.connectEventSource (so the case above really depends on it).
import { install } from 'miniprogram-eventsource'

install()
// @ts-expect-error Property 'connectEventSource' does not exist on type 'Uni'
uni.connectEventSource({ url: 'https://api.example.com/sse' })
