/// The page's script. `code` explains a clicked pixel from the embedded numbers as `ReferenceEngine.value`
/// computes it (each product in Double, added channel after channel, kernel row after row; sum plus bias
/// rounded to float32; the activation in float32), shows the engine's value from the embedded output, and
/// its gray level as `GrayMapping.quantize` computes it (float32 arithmetic, emulated with Math.fround).
/// `errorCapture` runs first, so that any error while the page loads is recorded.
///
/// Test hook: with `#test=LAYER,MAP,X,Y` in the address, once every image has loaded the script clicks
/// that pixel of that map and writes what the page shows as JSON into `#test-result`: each image's
/// natural width, the errors recorded, the summary table's totals, and the explained numbers.
enum ReportScript {
  static let errorCapture = #"""
    window.reportErrors = [];
    window.addEventListener("error", function (event) {
      var target = event.target;
      window.reportErrors.push(target && target !== window && target.src ? "cannot load " + target.src : String(event.message));
    }, true);
    (function () {
      var original = console.error;
      console.error = function () { window.reportErrors.push(Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); };
    })();
    """#

  static let code = #"""
    "use strict";
    (function () {
      const data = JSON.parse(document.getElementById("report-data").textContent);

      function floats(base64) {
        const text = atob(base64);
        const bytes = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
        const view = new DataView(bytes.buffer);
        const out = new Float32Array(bytes.length / 4);
        for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
        return out;
      }

      // The tensors' bytes are shuffled by byte position and raw-DEFLATE-compressed (ReportData.deflated):
      // the browser's DecompressionStream undoes the compression, this the shuffle.
      async function inflated(base64, count) {
        const text = atob(base64);
        const bytes = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
        const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
        const shuffled = new Uint8Array(await new Response(stream).arrayBuffer());
        const out = new Float32Array(count);
        const view = new DataView(out.buffer);
        for (let i = 0; i < count; i++) {
          view.setUint32(4 * i, (shuffled[i] | shuffled[count + i] << 8 | shuffled[2 * count + i] << 16 | shuffled[3 * count + i] << 24) >>> 0, true);
        }
        return out;
      }

      const tensors = data.tensors.map(function () { return null; });
      let tensorsReady = false;
      const ready = Promise.all(data.tensors.map(async function (t, i) {
        if (t === null) return;
        const count = t.shape[0] * t.shape[1] * t.shape[2];
        tensors[i] = { channels: t.shape[0], height: t.shape[1], width: t.shape[2], values: await inflated(t.deflated, count) };
      })).then(function () { tensorsReady = true; });
      const layers = {};
      for (const layer of data.layers) {
        layer.weightValues = floats(layer.weights);
        layer.biasValues = floats(layer.bias);
        layers[layer.number] = layer;
      }

      // PaddingMode.sourceIndex: where a position outside the input reads from, or null for a zero.
      function sourceIndex(i, n, mode) {
        if (i >= 0 && i < n) return i;
        switch (mode) {
          case "zeros": return null;
          case "replicate": return i < 0 ? 0 : n - 1;
          case "reflect": return i < 0 ? -i : 2 * (n - 1) - i;
          case "symmetric": return i < 0 ? -i - 1 : 2 * n - 1 - i;
          case "circular": return ((i % n) + n) % n;
        }
        throw new Error("unknown padding mode " + mode);
      }

      // erf to about 1e-7 (Abramowitz and Stegun 7.1.26): JavaScript has none.
      function erf(x) {
        const t = 1 / (1 + 0.3275911 * Math.abs(x));
        const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
        return x < 0 ? -y : y;
      }

      // The activation's definition (Activation in the engine, docs/BANK-FORMAT.md), rounded to float32;
      // `filter` picks PReLU's slope.
      function activate(v, activation, filter) {
        const f = Math.fround;
        const a = activation;
        switch (a.kind) {
          case "none": return v;
          case "relu": return v < 0 ? 0 : v;
          case "relu6": return Math.min(v < 0 ? 0 : v, 6);
          case "leaky_relu": return v >= 0 ? v : f(v * a.slope);
          case "sigmoid": return f(1 / (1 + Math.exp(-v)));
          case "tanh": return f(Math.tanh(v));
          case "silu": return f(v / (1 + Math.exp(-v)));
          case "hard_swish": return f(v * Math.min(Math.max(v + 3, 0), 6) / 6);
          case "hard_sigmoid": return f(Math.min(Math.max(a.alpha * v + a.beta, 0), 1));
          case "gelu": return f(v * (1 + erf(v / Math.SQRT2)) / 2);
          case "gelu_tanh": return f(v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))) / 2);
          case "elu": return v > 0 ? v : f(a.alpha * Math.expm1(v));
          case "mish": return f(v * Math.tanh(v > 20 ? v : Math.log1p(Math.exp(v))));
          case "clip": return Math.min(Math.max(v, a.min), a.max);
          case "prelu": return v >= 0 ? v : f(v * a.slopes[a.slopes.length === 1 ? 0 : filter]);
        }
        throw new Error("unknown activation " + a.kind);
      }

      // GrayMapping.quantize for one value.
      function gray(value, map) {
        const f = Math.fround;
        if (!(map.scale > 0)) return 0;
        const inverse = f(1 / map.scale), shift = f(map.offset), top = f(map.maximumGray);
        const v = map.ofMagnitude ? Math.abs(value) : value;
        const x = f(f(v - shift) * inverse);
        const low = x > 0 ? x : 0;
        const clamped = low < top ? low : top;
        return f(clamped + 8388608) - 8388608;
      }

      // ReferenceEngine.value and ExplainedPixel: output (f, oy, ox) of a conv layer, term by term.
      function explain(layer, f, oy, ox) {
        const input = tensors[layer.input], output = tensors[layer.output];
        const [kh, kw] = layer.kernel, [sy, sx] = layer.stride, [dy, dx] = layer.dilation, [top, left] = layer.padding;
        const cpg = layer.channelsPerGroup;
        const first = Math.floor(f / layer.filtersPerGroup) * cpg;
        const channels = [];
        let sum = 0;
        for (let ci = 0; ci < cpg; ci++) {
          const channel = { name: layer.inputNames[first + ci], index: first + ci, terms: [], sum: 0 };
          for (let ky = 0; ky < kh; ky++) {
            const row = [];
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * sy - top + ky * dy, ix = ox * sx - left + kx * dx;
              const wy = layer.flip ? kh - 1 - ky : ky, wx = layer.flip ? kw - 1 - kx : kx;
              const weight = layer.weightValues[((f * cpg + ci) * kh + wy) * kw + wx];
              const ry = sourceIndex(iy, input.height, layer.paddingMode), rx = sourceIndex(ix, input.width, layer.paddingMode);
              const value = ry === null || rx === null ? 0 : input.values[((first + ci) * input.height + ry) * input.width + rx];
              const product = weight * value;  // exact in double, as Double(weight) * Double(value)
              sum += product;
              channel.sum += product;
              row.push({ input: value, weight: weight, product: product, padded: iy < 0 || iy >= input.height || ix < 0 || ix >= input.width });
            }
            channel.terms.push(row);
          }
          channels.push(channel);
        }
        const bias = layer.biasValues[f];
        const preActivation = Math.fround(sum + bias);
        const value = output.values[(f * output.height + oy) * output.width + ox];
        return {
          channels: channels, sum: sum, bias: bias, preActivation: preActivation,
          definedValue: activate(preActivation, layer.activation, f), value: value, gray: gray(value, layer.maps[f]),
          rows: Array.from({ length: kh }, (_, k) => oy * sy - top + k * dy),
          columns: Array.from({ length: kw }, (_, k) => ox * sx - left + k * dx)
        };
      }

      function short(v) {
        if (v === 0) return "0";
        if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
        const a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
        return v.toExponential(2);
      }

      function element(tag, className, text) {
        const e = document.createElement(tag);
        if (className) e.className = className;
        if (text !== undefined) e.textContent = text;
        return e;
      }

      function exact(tag, key, value, className) {
        const e = element(tag, className, short(value));
        e.dataset.key = key;
        e.dataset.exact = String(value);
        e.title = String(value);
        return e;
      }

      const panel = document.getElementById("explain");
      const body = document.getElementById("explain-body");
      document.getElementById("explain-close").addEventListener("click", function () { panel.hidden = true; });

      function show(layerNumber, f, x, y) {
        const layer = layers[layerNumber];
        const e = explain(layer, f, y, x);
        body.replaceChildren();
        body.appendChild(element("h3", "", "Layer " + layerNumber + ", map " + f + " \u201c" + layer.filters[f] + "\u201d, pixel (" + x + ", " + y + ")"));
        body.appendChild(element("p", "", "It reads input rows " + e.rows[0] + " to " + e.rows[e.rows.length - 1] + " and columns " + e.columns[0] + " to " +
          e.columns[e.columns.length - 1] + " of each of " + e.channels.length + " input channel" + (e.channels.length === 1 ? "" : "s") +
          " (stride " + layer.stride.join("x") + ", padding " + layer.paddingMode + "; grayed values are padding). In each square: input value, " +
          "\u00d7 weight, = product."));
        const dl = element("dl", "result");
        function line(label, key, value, className) {
          dl.appendChild(element("dt", "", label));
          dl.appendChild(exact("dd", key, value, className));
        }
        line(e.channels.length === 1 ? "the sum (one channel: nothing else is added)" : "the " + e.channels.length + " channel sums added", "sum", e.sum);
        line("+ bias", "bias", e.bias);
        line("= before the activation (float32)", "preActivation", e.preActivation);
        line("activation " + layer.activation.kind + ", by the definition", "definedValue", e.definedValue);
        line("the map's value, as the engine computed it", "value", e.value, "final");
        line("its gray level (0 to " + layer.maps[f].maximumGray + ", " + layer.maps[f].mode + ")", "gray", e.gray, "final");
        body.appendChild(dl);
        e.channels.forEach(function (c, ci) {
          const box = element("div", "channel");
          const heading = element("h4", "", c.name + ": the sum of its products is ");
          heading.appendChild(exact("span", "channel-sum-" + ci, c.sum));
          box.appendChild(heading);
          const table = element("table", "terms");
          for (const row of c.terms) {
            const tr = element("tr");
            for (const t of row) {
              const td = element("td", t.padded ? "pad" : "");
              td.appendChild(element("div", "", short(t.input)));
              td.appendChild(element("div", "w", "\u00d7 " + short(t.weight)));
              td.appendChild(element("div", "p", "= " + short(t.product)));
              tr.appendChild(td);
            }
            table.appendChild(tr);
          }
          box.appendChild(table);
          body.appendChild(box);
        });
        panel.hidden = false;
        mark(layerNumber, f, x, y);
      }

      function mark(layerNumber, f, x, y) {
        document.querySelectorAll(".marker").forEach(function (m) { m.remove(); });
        const img = document.querySelector('img.map[data-layer="' + layerNumber + '"][data-map="' + f + '"]');
        const sx = img.clientWidth / img.naturalWidth, sy = img.clientHeight / img.naturalHeight;
        const m = element("div", "marker");
        m.style.left = (img.offsetLeft + x * sx - 2) + "px";
        m.style.top = (img.offsetTop + y * sy - 2) + "px";
        m.style.width = Math.max(4, sx + 4) + "px";
        m.style.height = Math.max(4, sy + 4) + "px";
        img.parentElement.appendChild(m);
      }

      document.querySelectorAll("img.map").forEach(function (img) {
        img.addEventListener("click", function (event) {
          const r = img.getBoundingClientRect();
          const x = Math.min(img.naturalWidth - 1, Math.floor((event.clientX - r.left - img.clientLeft) / img.clientWidth * img.naturalWidth));
          const y = Math.min(img.naturalHeight - 1, Math.floor((event.clientY - r.top - img.clientTop) / img.clientHeight * img.naturalHeight));
          const click = function () { show(Number(img.dataset.layer), Number(img.dataset.map), Math.max(0, x), Math.max(0, y)); };
          if (tensorsReady) click(); else ready.then(click);
        });
      });

      window.addEventListener("beforeprint", function () { document.querySelectorAll("details").forEach(function (d) { d.open = true; }); });

      async function runTest(spec) {
        const [layerNumber, f, x, y] = spec.split(",").map(Number);
        await ready;
        await Promise.all(Array.from(document.images, function (img) {
          return img.complete ? null : new Promise(function (resolve) { img.addEventListener("load", resolve); img.addEventListener("error", resolve); });
        }));
        const img = document.querySelector('img.map[data-layer="' + layerNumber + '"][data-map="' + f + '"]');
        img.scrollIntoView({ block: "center" });
        const r = img.getBoundingClientRect();
        img.dispatchEvent(new MouseEvent("click", {
          bubbles: true,
          // Mouse positions are whole CSS pixels: the nearest to the pixel's centre (inside it when the
          // map is shown at least at its own size, as the page shows maps of pictures of --size).
          clientX: Math.round(r.left + img.clientLeft + (x + 0.5) * img.clientWidth / img.naturalWidth),
          clientY: Math.round(r.top + img.clientTop + (y + 0.5) * img.clientHeight / img.naturalHeight)
        }));
        const shown = {};
        document.querySelectorAll("#explain [data-key]").forEach(function (e) { shown[e.dataset.key] = Number(e.dataset.exact); });
        const result = {
          images: Array.from(document.images, function (i) { return { src: i.getAttribute("src"), naturalWidth: i.naturalWidth }; }),
          errors: window.reportErrors,
          totals: {
            parameters: Number(document.getElementById("total-parameters").dataset.exact),
            multiplyAdds: Number(document.getElementById("total-multiply-adds").dataset.exact)
          },
          heading: document.querySelector("#explain h3").textContent,
          panelShown: !panel.hidden,
          shown: shown
        };
        const out = document.getElementById("test-result");
        out.textContent = JSON.stringify(result);
      }

      const hook = /^#test=(\d+,\d+,\d+,\d+)$/.exec(location.hash);
      if (hook) runTest(hook[1]).catch(function (error) { window.reportErrors.push(String(error)); document.getElementById("test-result").textContent = JSON.stringify({ errors: window.reportErrors }); });
    })();
    """#
}
