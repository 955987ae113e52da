/// The live page: HTML and style, served from the binary (no other file, nothing from the network). Its
/// script is `PageScript.swift`.
enum Page {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>featuremaps live</title>
    <link rel="stylesheet" href="/app.css">
    <link rel="icon" href="data:,">
    </head>
    <body>
    <header>
      <h1>featuremaps <span>live</span></h1>
      <p id="status" role="status">starting…</p>
    </header>
    <section id="controls">
      <fieldset>
        <legend>Picture</legend>
        <select id="picture" aria-label="picture"></select>
        <label class="file">open… <input type="file" id="picture-file" accept="image/jpeg,image/png"></label>
        <span id="picture-note" class="note"></span>
      </fieldset>
      <fieldset>
        <legend>Bank</legend>
        <select id="bank-name" aria-label="built-in bank"></select>
        <label class="file">bank JSON… <input type="file" id="bank-file" accept=".json,application/json"></label>
        <label class="file">weights file… <input type="file" id="weights-file"></label>
        <input id="weights-node" size="16" placeholder="ONNX node or tensor" aria-label="ONNX node or weight tensor">
        <input id="weights-batchnorm" size="10" placeholder="batch norm" aria-label="batch norm prefix">
        <button id="download" type="button">Download bank</button>
      </fieldset>
      <fieldset>
        <legend>Show</legend>
        <label>gray levels <select id="normalize">
          <option value="auto">auto</option><option value="symmetric">symmetric</option><option value="abs">abs</option>
          <option value="minmax">minmax</option><option value="percentile:1">percentile:1</option></select></label>
        <label>colours <select id="colormap"><option value="gray">gray</option><option value="diverging">blue, white, red</option></select></label>
      </fieldset>
      <fieldset id="switches">
        <legend>Teaching switches</legend>
        <label><input type="checkbox" id="tie"> same kernel on every channel</label>
        <label><input type="checkbox" id="average"> average instead of sum</label>
        <label><input type="checkbox" id="shift"> shift the picture 8 px</label>
      </fieldset>
    </section>
    <p id="error" role="alert" hidden></p>
    <p id="switch-note" class="warning" hidden></p>
    <section id="input-section"></section>
    <div id="work">
      <main id="layers"></main>
      <aside>
        <section id="editor"><h2>Kernels</h2><p class="note">Click a map to edit its filter.</p></section>
        <section id="explain"><h2>Explain</h2><p class="note">Click a pixel of a conv layer's map.</p></section>
      </aside>
    </div>
    <details id="summary-box"><summary>Summary of the bank</summary><pre id="summary"></pre></details>
    <script src="/app.js"></script>
    </body>
    </html>
    """#

  static let style = #"""
    :root { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 14px; color: #1b1b1b; background: #fafafa; }
    body { margin: 0 1.2em 2em; }
    header { display: flex; align-items: baseline; gap: 1.5em; }
    h1 { font-size: 1.4em; margin: .6em 0 .3em; } h1 span { color: #b03a2e; }
    h2 { font-size: 1.1em; margin: .8em 0 .3em; } h3 { font-size: 1em; margin: .6em 0 .2em; }
    #status { color: #555; margin: 0; }
    #controls { display: flex; flex-wrap: wrap; gap: .5em; }
    fieldset { border: 1px solid #ccc; border-radius: 4px; padding: .3em .6em; }
    legend { color: #555; }
    label.file { border: 1px solid #aaa; border-radius: 3px; padding: 0 .4em; cursor: pointer; background: #fff; }
    label.file input { width: 0; height: 0; opacity: 0; position: absolute; }
    .note { color: #666; font-size: .92em; }
    .warning { background: #fff3cd; border: 1px solid #e0c060; padding: .3em .6em; }
    #error { background: #fde2e1; border: 1px solid #d9534f; padding: .3em .6em; }
    #work { display: flex; gap: 1em; align-items: flex-start; }
    main { flex: 1 1 auto; min-width: 0; }
    aside { flex: 0 0 26em; position: sticky; top: .5em; max-height: 98vh; overflow: auto; }
    .maps { display: flex; flex-wrap: wrap; gap: .5em; }
    figure { margin: 0; }
    figure canvas { display: block; max-width: 200px; image-rendering: pixelated; cursor: crosshair; border: 2px solid transparent; }
    figure.selected canvas { border-color: #b03a2e; }
    .frame { position: relative; width: fit-content; }
    .mark { position: absolute; width: 9px; height: 9px; margin: -6px 0 0 -6px; border: 2px solid #e8382a; border-radius: 50%; pointer-events: none; }
    figcaption { font-size: .85em; color: #333; max-width: 200px; overflow-wrap: anywhere; }
    .layer-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .8em; }
    .layer-head .note { margin: 0; }
    table.kernel { border-collapse: collapse; margin: .2em 0 .6em; }
    table.kernel input { width: 4.2em; font-size: .9em; text-align: right; }
    table.kernel td { padding: 1px; }
    .grid { border-collapse: collapse; font-size: .85em; margin: .2em 0; }
    .grid td { border: 1px solid #ddd; padding: 1px 4px; text-align: right; }
    .grid td.pad { color: #999; }
    .terms p { margin: .2em 0; }
    #explain img { max-width: 100%; }
    #input-section label { margin-right: .8em; }
    #input-section input { width: 4.5em; }
    """#
}
