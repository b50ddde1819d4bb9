// The two globals that uni-app x's uni-sse declarations use and that a uni-app x project gets
// from its UTS environment (HBuilderX), not from @dcloudio/uni-app-x itself:
// - UniError: @dcloudio/uni-app-x's own class (types/native/UniError.d.ts), made global as
//   types/native/global.d.ts does;
// - UTSJSONObject: the shape DCloud's UTS declarations give it (an index signature of any, plus
//   accessors); only `header?: UTSJSONObject | null` of ConnectEventSourceOptions uses it.
import type { UniError as NativeUniError } from '@dcloudio/uni-app-x/types/native/UniError'

declare global {
  type UniError = NativeUniError
  class UTSJSONObject {
    [key: string]: any
    constructor(content?: Record<string, any>)
    get(key: string): any | null
    set(key: string, value: any): void
    getString(key: string): string | null
    toMap(): Map<string, any>
  }
}
