import { createSSRApp } from 'vue'
import { install } from 'miniprogram-eventsource'
import App from './App.vue'

// uni-app x code (`uni.connectEventSource`) runs unchanged on mp-weixin after this.
install()

export function createApp() {
  const app = createSSRApp(App)
  return { app }
}
