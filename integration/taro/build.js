// Bundles taro/app.js with esbuild (ES2015, CommonJS) into taro/dist/app.js, with the
// compile-time constants Taro's weapp build defines.
'use strict'
const path = require('node:path')
const esbuild = require('esbuild')

module.exports = function buildTaro() {
  const outfile = path.join(__dirname, 'dist/app.js')
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'app.js')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2015',
    logLevel: 'warning',
    define: {
      'process.env.TARO_ENV': '"weapp"',
      'process.env.TARO_PLATFORM': '"mini"',
      'process.env.NODE_ENV': '"production"',
      'process.env.SUPPORT_TARO_POLYFILL': '"disabled"',
      ENABLE_INNER_HTML: 'true',
      ENABLE_ADJACENT_HTML: 'false',
      ENABLE_SIZE_APIS: 'false',
      ENABLE_TEMPLATE_CONTENT: 'false',
      ENABLE_CLONE_NODE: 'false',
      ENABLE_CONTAINS: 'false',
      ENABLE_MUTATION_OBSERVER: 'false'
    }
  })
  return outfile
}

if (require.main === module) console.log(module.exports())
