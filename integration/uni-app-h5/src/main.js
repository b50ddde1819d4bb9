import { createSSRApp } from 'vue'
import { install } from 'miniprogram-eventsource/universal'
import App from './App.vue'

// uni-app x code (`uni.connectEventSource`) runs unchanged on H5 after this: there is no wx,
// so install() picks the fetch + ReadableStream transport.
install()

export function createApp() {
  const app = createSSRApp(App)
  return { app }
}
