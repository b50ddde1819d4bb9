// A Taro 4 (weapp) project in strict TypeScript with @tarojs/taro's own types.
import Taro from '@tarojs/taro'
import { connectEventSource } from 'miniprogram-eventsource'

// Taro.request: generic, returns a Promise with the task's methods copied onto it.
const es = connectEventSource({ url: 'https://api.example.com/sse', method: 'POST', data: { q: 1 }, request: Taro.request })
es.onMessage((ev) => ev.data.length)
es.onError((err) => err.errCode)
es.close()

// @ts-expect-error url is required
connectEventSource({ request: Taro.request })
