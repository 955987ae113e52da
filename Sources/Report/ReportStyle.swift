/// The page's style: the system's fonts (nothing to fetch), maps enlarged without smoothing so that each
/// pixel stays a square, and a print layout without the interactive panel.
enum ReportStyle {
  static let css = """
    :root { color-scheme: light; --ink: #1d1d1f; --muted: #5b5b60; --rule: #d6d6db; --accent: #b3261e; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.5 system-ui, "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
    header, main, nav { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
    header h1 { font-size: 26px; margin: 24px 0 4px; }
    header p { margin: 4px 0; color: var(--muted); }
    .command { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
    nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--rule); padding-top: 8px; padding-bottom: 8px; z-index: 2; }
    nav a { margin-right: 16px; color: var(--ink); text-decoration: none; font-weight: 600; }
    h2 { font-size: 21px; margin: 32px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
    h3 { font-size: 17px; margin: 24px 0 6px; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; background: #f3f3f5; padding: 1px 4px; border-radius: 3px; }
    figure { margin: 0 12px 12px 0; display: inline-block; vertical-align: top; }
    figcaption { font-size: 12px; color: var(--muted); max-width: 100%; overflow-wrap: anywhere; }
    figure.wide { display: block; }
    figure.wide img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
    img.picture { max-width: 448px; height: auto; }
    img.plane { width: 224px; height: auto; image-rendering: pixelated; }
    .row { display: flex; flex-wrap: wrap; align-items: flex-start; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
    th, td { border-bottom: 1px solid var(--rule); padding: 3px 8px; text-align: left; white-space: nowrap; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; }
    tfoot td { font-weight: 600; border-top: 2px solid var(--ink); }
    table.small { width: auto; }
    .tiles { display: flex; flex-wrap: wrap; }
    .tile { width: 232px; }
    .frame { position: relative; line-height: 0; }
    img.map { width: 224px; height: auto; image-rendering: pixelated; cursor: crosshair; border: 1px solid var(--rule); }
    .marker { position: absolute; border: 2px solid var(--accent); pointer-events: none; }
    .hint { background: #fff6e0; border-left: 4px solid #e0a800; padding: 6px 10px; }
    details > summary { cursor: pointer; font-weight: 600; margin: 12px 0; }
    #explain { position: fixed; right: 12px; bottom: 12px; width: min(700px, calc(100vw - 24px)); max-height: 72vh; overflow: auto;
      background: #fff; border: 1px solid #999; border-radius: 6px; box-shadow: 0 4px 18px rgba(0,0,0,.25); padding: 12px 14px; z-index: 3; }
    #explain h3 { margin-top: 0; padding-right: 24px; }
    #explain-close { position: absolute; right: 8px; top: 8px; border: none; background: none; font-size: 18px; cursor: pointer; }
    .channel { margin: 10px 0; }
    .channel h4 { margin: 0 0 4px; font-size: 14px; }
    table.terms td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 10.5px; line-height: 1.2; border: 1px solid var(--rule);
      text-align: right; padding: 1px 3px; }
    table.terms td.pad { color: #999; font-style: italic; }
    table.terms .w { color: #2a5ca8; }
    table.terms .p { font-weight: 600; }
    dl.result { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 6px 0 10px; }
    dl.result dt { color: var(--muted); }
    dl.result dd { margin: 0; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
    dl.result dd.final { font-weight: 700; color: var(--accent); }
    @media print {
      nav, #explain, .hint, #test-result { display: none !important; }
      body { font-size: 11pt; }
      header, main { max-width: none; padding: 0; }
      figure, tr, .tile { break-inside: avoid; }
      h2, h3 { break-after: avoid; }
      img.map, img.plane { width: 150px; }
      .tile { width: 158px; }
    }
    """
}
