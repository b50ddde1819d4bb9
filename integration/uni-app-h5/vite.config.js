// A minimal uni-app (Vue 3) project, built by the uni CLI for the browser: `uni build -p h5`.
const { defineConfig } = require('vite')
const uni = require('@dcloudio/vite-plugin-uni').default

module.exports = defineConfig({ plugins: [uni()] })
