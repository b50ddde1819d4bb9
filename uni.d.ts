/**
 * Opt-in global declaration for uni-app projects: after `install()`, `uni.connectEventSource`
 * exists at run time; this file tells TypeScript so. Add it once, e.g. in `env.d.ts`:
 *
 *     /// <reference types="miniprogram-eventsource/uni" />
 *
 * or list `"miniprogram-eventsource/uni"` in tsconfig `compilerOptions.types`.
 * It merges into the global `Uni` interface that `@dcloudio/types` declares `uni` with
 * (`declare const uni: UniNamespace.Uni`, an alias of `Uni`).
 */
import type { ConnectEventSourceOptions, UniEventSource } from './dist/index.js'

declare global {
  interface Uni {
    /**
     * uni-app x's `uni.connectEventSource`, provided on mini-programs by `install()` from
     * `miniprogram-eventsource` (which must run before the first call).
     */
    connectEventSource(options: ConnectEventSourceOptions): UniEventSource
  }
}

export {}
