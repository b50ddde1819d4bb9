'use strict'
/**
 * A long markdown answer like a model writes (headings, paragraphs, lists, a table, fenced code,
 * a quote; Chinese, English and emoji), deterministic, of at least `minChars` UTF-16 code units.
 */
function longAnswer(minChars) {
  const sections = []
  let length = 0
  for (let n = 1; length < minChars; n++) {
    const section = [
      '## 第 ' + n + ' 节：流式输出 Streaming part ' + n,
      '',
      '服务器一边生成一边发送，小程序一边收到一边显示 🚀。This paragraph mixes **bold words**, `inline code` and a [link](https://example.com/' + n + ')，' +
        '再来一点中文：断线以后，回答会从断开的地方继续，不重复也不丢字 ✅。',
      '',
      '- 第一点：`wx.request` 的 `enableChunked` 打开分块接收',
      '- 第二点：**流式 UTF-8 解码**，emoji 👍🏽 不会被切坏',
      '- 第三点：setData 只发送变化的部分',
      '',
      '1. 连接 connect',
      '2. 接收 receive',
      '3. 渲染 render',
      '',
      '| 项目 Item | 数值 Value | 说明 Note |',
      '| --- | ---: | --- |',
      '| 分块 chunk | ' + (n * 7) + ' | 任意边界 |',
      '| 事件 event | ' + (n * 13) + ' | 按 WHATWG 解析 |',
      '',
      '```js',
      "const es = connectEventSource({ url: '/v1/chat/completions', method: 'POST' })",
      'es.onMessage((ev) => {',
      '  // 第 ' + n + ' 段代码 🧩',
      '  console.log(ev.data)',
      '})',
      '```',
      '',
      '> 小提示 Tip ' + n + '：回答很长时，只有最后一块在变化。',
      '',
      ''
    ].join('\n')
    sections.push(section)
    length += section.length
  }
  return sections.join('')
}

module.exports = { longAnswer }
