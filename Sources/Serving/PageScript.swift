/// The live page's script: it keeps the bank being edited, sends it with the picture's id to the server on
/// every change, and draws the gray levels the server sends back (the main command's, map for map). Nothing
/// is computed here but colours and the teaching switches' banks, which are shown as what they are.
extension Page {
  static let script = #"""
    "use strict";
    const $ = (id) => document.getElementById(id);
    const state = {
      bank: null,          // the bank as edited (what "Download bank" saves)
      picture: null,       // the picture's id on the server
      pictures: [],
      client: Math.random().toString(36).slice(2),
      layers: [],          // the last maps: header and gray levels per layer
      selected: null,      // {layer, filter}: the filter the kernel editor shows
      explained: null,     // {layer, filter, x, y}: the pixel the explain panel shows
      limits: {},
      busy: false, again: false,
      latencies: [],       // milliseconds from each edit to its maps drawn
    };
    window.featuremaps = state;  // for tests and the curious: the page's whole state

    function showError(message) {
      const box = $("error");
      box.textContent = message || "";
      box.hidden = !message;
      if (message) console.warn(message);  // a refusal is news, not a page error
    }

    async function call(path, options) {
      const response = await fetch(path, options);
      if (!response.ok) {
        let message = `${response.status}`;
        try { message = (await response.json()).error; } catch (e) {}
        const error = new Error(message);
        error.status = response.status;
        throw error;
      }
      return response;
    }

    function post(path, body, type) {
      return call(path, { method: "POST", headers: { "Content-Type": type || "application/json" }, body });
    }

    // MARK: the bank the server is sent: the teaching switches applied to a copy

    function convLayers(bank) { return bank.layers.filter((l) => l.type === "conv"); }

    function effectiveBank() {
      const bank = JSON.parse(JSON.stringify(state.bank));
      for (const layer of convLayers(bank)) {
        for (const filter of layer.filters) {
          if ($("tie").checked) filter.weights = filter.weights.map(() => JSON.parse(JSON.stringify(filter.weights[0])));
          if ($("average").checked) {
            const n = filter.weights.length;
            filter.weights = filter.weights.map((plane) => plane.map((row) => row.map((w) => w / n)));
          }
        }
      }
      return bank;
    }

    function switchNote() {
      const notes = [];
      if ($("tie").checked) notes.push("Every filter uses its first channel's kernel on every channel: the maps lose what told the channels apart (colour).");
      if ($("average").checked) notes.push("Each channel's kernel is divided by the number of channels: the maps show the average of the per-channel results. This is not what a CNN computes: it sums them (and learns weights that make the sum right).");
      if ($("shift").checked) notes.push("The picture is moved 8 pixels right and down (black comes in): every map moves with it, the same filter at every position (weight sharing).");
      $("switch-note").textContent = notes.join(" ");
      $("switch-note").hidden = notes.length === 0;
    }

    function request(extra) {
      return Object.assign({ client: state.client, picture: state.picture, bank: effectiveBank(), normalize: $("normalize").value,
                             shift: $("shift").checked ? [8, 8] : [0, 0] }, extra || {});
    }

    // MARK: computing: the newest edit wins; one request at a time from this page

    function schedule() {
      if (!state.picture || !state.bank) return;
      if (state.busy) { state.again = true; return; }
      compute();
    }

    async function compute() {
      state.busy = true;
      state.again = false;
      const started = performance.now();
      try {
        const response = await post("/api/maps", JSON.stringify(request()));
        const buffer = await response.arrayBuffer();
        const received = performance.now();
        const length = new DataView(buffer).getUint32(0, true);
        const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
        let offset = 4 + length;
        state.layers = header.layers.map((layer) => {
          const plane = layer.width * layer.height;
          const gray = layer.maps.map((_, m) => new Uint8Array(buffer, offset + m * plane, plane));
          offset += plane * layer.maps.length;
          return Object.assign(layer, { gray });
        });
        showError("");
        drawLayers();
        state.timing = { request: received - started, draw: performance.now() - received };
        const computed = header.layers.filter((l) => !l.from_cache).map((l) => `${l.number} (${(l.seconds * 1000).toFixed(0)} ms)`);
        const p = header.picture;
        $("status").textContent = `${p.name}: ${p.width}x${p.height}` + (p.width !== p.original_width ? ` (scaled from ${p.original_width}x${p.original_height})` : "")
          + ` · layers computed: ${computed.length ? computed.join(", ") : "none (all from the cache)"} · shown ${(performance.now() - started).toFixed(0)} ms after the edit`;
        // From the edit (or choice) to its maps drawn: what the speed goals measure (bench/serve_bench.py).
        if (state.editedAt !== undefined) state.latencies.push(performance.now() - state.editedAt);
        state.editedAt = undefined;
        state.updates = (state.updates || 0) + 1;
        // The explained pixel follows the edits once they pause (it would otherwise wait in line before the next maps).
        clearTimeout(state.explainTimer);
        if (state.explained) state.explainTimer = setTimeout(() => explain(state.explained, false), 150);
      } catch (error) {
        if (error.status !== 409) showError(error.message);
      } finally {
        state.busy = false;
        if (state.again) compute();
      }
    }

    // MARK: drawing

    function colour(g, map) {
      if (map !== "diverging") return [g, g, g];
      const t = (g - 127.5) / 127.5;  // -1 (blue) .. 0 (white) .. 1 (red)
      return t < 0 ? [Math.round(255 * (1 + t) + 40 * -t), Math.round(255 * (1 + t) + 90 * -t), 255 - Math.round(75 * -t)]
                   : [255 - Math.round(75 * t), Math.round(255 * (1 - t) + 40 * t), Math.round(255 * (1 - t) + 40 * t)];
    }

    // One colour per gray level, as RGBA packed in the byte order ImageData keeps (little-endian words).
    function palette() {
      const map = $("colormap").value;
      const table = new Uint32Array(256);
      for (let g = 0; g < 256; g++) {
        const [r, gr, b] = colour(g, map);
        table[g] = (255 << 24) | (b << 16) | (gr << 8) | r;
      }
      return table;
    }

    function paint(canvas, gray, width, height, table) {
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      const context = canvas.getContext("2d");
      const image = context.createImageData(width, height);
      const words = new Uint32Array(image.data.buffer);
      for (let i = 0; i < gray.length; i++) words[i] = table[gray[i]];
      context.putImageData(image, 0, 0);
    }

    function describeLayer(layer, bankLayer) {
      if (layer.type !== "conv") return `${layer.type} ${JSON.stringify(bankLayer.size)}, stride ${JSON.stringify(bankLayer.stride)}`;
      const f = bankLayer.filters;
      const k = f[0].weights[0];
      return `conv: ${f.length} filters of ${f[0].weights.length}x${k.length}x${k[0].length} (one ${k.length}x${k[0].length} kernel per input channel, the results summed)`;
    }

    function drawLayers() {
      const main = $("layers");
      main.textContent = "";
      const table = palette();
      state.layers.forEach((layer, index) => {
        const bankLayer = state.bank.layers[index];
        const section = document.createElement("section");
        section.className = "layer";
        const head = document.createElement("div");
        head.className = "layer-head";
        head.innerHTML = `<h2>layer ${layer.number}</h2><p class="note"></p>`;
        head.querySelector(".note").textContent = describeLayer(layer, bankLayer) + ` · maps ${layer.width}x${layer.height}` + (layer.from_cache ? " · from the cache" : "");
        if (layer.type === "conv") head.appendChild(layerControls(bankLayer));
        section.appendChild(head);
        const grid = document.createElement("div");
        grid.className = "maps";
        layer.maps.forEach((map, m) => {
          const figure = document.createElement("figure");
          if (state.selected && state.selected.layer === index && state.selected.filter === m) figure.className = "selected";
          const canvas = document.createElement("canvas");
          canvas.dataset.layer = index;
          canvas.dataset.map = m;
          paint(canvas, layer.gray[m], layer.width, layer.height, table);
          canvas.addEventListener("click", (event) => clicked(event, index, m));
          canvas.title = "click: edit this filter and explain this pixel";
          const caption = document.createElement("figcaption");
          caption.textContent = `${m} ${map.name}: ${map.minimum.toPrecision(3)} to ${map.maximum.toPrecision(3)}` + (map.maximum === map.minimum ? " (constant)" : "");
          caption.title = `${map.mode}: value = ${map.offset.toPrecision(4)} + ${map.gray_step.toPrecision(4)} x gray`;
          const frame = document.createElement("div");
          frame.className = "frame";
          frame.appendChild(canvas);
          figure.append(frame, caption);
          if (state.explained && state.explained.layer === index + 1 && state.explained.filter === m) frame.appendChild(mark(layer));
          grid.appendChild(figure);
        });
        section.appendChild(grid);
        main.appendChild(section);
      });
    }

    // A ring over the explained pixel, drawn over the canvas (the canvas keeps the map's gray levels only).
    function mark(layer) {
      const ring = document.createElement("span");
      ring.className = "mark";
      ring.style.left = `${(100 * (state.explained.x + 0.5)) / layer.width}%`;
      ring.style.top = `${(100 * (state.explained.y + 0.5)) / layer.height}%`;
      return ring;
    }

    function layerControls(bankLayer) {
      const box = document.createElement("span");
      const activation = document.createElement("select");
      activation.setAttribute("aria-label", "activation");
      for (const name of state.activations) activation.add(new Option(name, name, false, name === bankLayer.activation));
      activation.addEventListener("change", () => { bankLayer.activation = activation.value; edited(); });
      const stride = numberInput(JSON.stringify(bankLayer.stride), "stride", (text) => { bankLayer.stride = JSON.parse(text); });
      const padding = numberInput(typeof bankLayer.padding === "string" ? bankLayer.padding : JSON.stringify(bankLayer.padding), "padding",
                                  (text) => { bankLayer.padding = /^[a-z]+$/.test(text) ? text : JSON.parse(text); });
      box.append("activation ", activation, " stride ", stride, " padding ", padding);
      return box;
    }

    function numberInput(value, label, apply) {
      const input = document.createElement("input");
      input.size = 6;
      input.value = value;
      input.setAttribute("aria-label", label);
      input.addEventListener("change", () => {
        try { apply(input.value.trim()); edited(); } catch (e) { showError(`${label}: '${input.value}' is not a value`); }
      });
      return input;
    }

    // MARK: the kernel editor

    function clicked(event, layerIndex, m) {
      const canvas = event.currentTarget;
      const x = Math.min(canvas.width - 1, Math.floor(event.offsetX * canvas.width / canvas.clientWidth));
      const y = Math.min(canvas.height - 1, Math.floor(event.offsetY * canvas.height / canvas.clientHeight));
      const conv = state.bank.layers[layerIndex].type === "conv";
      if (conv) {
        state.selected = { layer: layerIndex, filter: m };
        drawEditor();
        document.querySelectorAll("figure.selected").forEach((f) => f.classList.remove("selected"));
        document.querySelectorAll("span.mark").forEach((r) => r.remove());
        canvas.closest("figure").classList.add("selected");
        state.explained = { layer: layerIndex + 1, filter: m, x, y };
        canvas.parentElement.appendChild(mark(state.layers[layerIndex]));
        explain(state.explained, true);
      }
    }

    function drawEditor() {
      const box = $("editor");
      box.innerHTML = "<h2>Kernels</h2>";
      if (!state.selected) return;
      const layer = state.bank.layers[state.selected.layer];
      const filter = layer.filters[state.selected.filter];
      if (!filter) { state.selected = null; return; }
      const title = document.createElement("p");
      title.textContent = `layer ${state.selected.layer + 1}, filter ${state.selected.filter} ${filter.name}: one kernel per input channel; type a number, or drag a cell up or down.`;
      box.appendChild(title);
      const channels = inputNames(state.selected.layer, filter, layer);
      filter.weights.forEach((plane, c) => {
        const heading = document.createElement("h3");
        heading.textContent = `kernel for ${channels[c]}`;
        const table = document.createElement("table");
        table.className = "kernel";
        plane.forEach((row, y) => {
          const tr = table.insertRow();
          row.forEach((w, x) => {
            const input = document.createElement("input");
            input.type = "number";
            input.step = "0.01";
            input.value = w;
            input.dataset.channel = c; input.dataset.y = y; input.dataset.x = x;
            input.setAttribute("aria-label", `${channels[c]} row ${y} column ${x}`);
            input.addEventListener("input", () => {
              const v = Number(input.value);
              if (input.value.trim() !== "" && Number.isFinite(v)) { plane[y][x] = v; edited(); }
            });
            draggable(input, () => plane[y][x], (v) => { plane[y][x] = v; input.value = v; edited(); });
            tr.insertCell().appendChild(input);
          });
        });
        box.append(heading, table);
      });
      const bias = document.createElement("input");
      bias.type = "number"; bias.step = "0.01"; bias.value = filter.bias || 0; bias.id = "bias";
      bias.addEventListener("input", () => { const v = Number(bias.value); if (Number.isFinite(v)) { filter.bias = v; edited(); } });
      const add = button("Add a filter (a copy of this one)", () => {
        const copy = JSON.parse(JSON.stringify(filter));
        copy.name = uniqueName(layer, filter.name + "-copy");
        layer.filters.splice(state.selected.filter + 1, 0, copy);
        state.selected.filter += 1;
        structureChanged();
      });
      const remove = button("Remove this filter", () => {
        if (layer.filters.length === 1) { showError("a conv layer needs at least one filter"); return; }
        layer.filters.splice(state.selected.filter, 1);
        state.selected.filter = Math.max(0, state.selected.filter - 1);
        structureChanged();
      });
      const line = document.createElement("p");
      line.append("bias ", bias, " ", add, " ", remove);
      box.appendChild(line);
    }

    function button(text, action) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.addEventListener("click", action);
      return b;
    }

    function uniqueName(layer, base) {
      const taken = new Set(layer.filters.map((f) => f.name));
      let name = base, i = 2;
      while (taken.has(name)) name = `${base}-${i++}`;
      return name;
    }

    // A filter added or removed changes the next layer's input channels: its kernels follow.
    function structureChanged() {
      const index = state.selected.layer;
      const layer = state.bank.layers[index];
      for (let next = index + 1; next < state.bank.layers.length; next++) {
        const l = state.bank.layers[next];
        if (l.type !== "conv") continue;
        if (l.groups && l.groups !== 1) { showError(`layer ${next + 1} is grouped: change its filters by hand in the JSON`); break; }
        for (const f of l.filters) {
          const zero = f.weights[0].map((row) => row.map(() => 0));
          while (f.weights.length < layer.filters.length) f.weights.push(JSON.parse(JSON.stringify(zero)));
          f.weights.length = layer.filters.length;
        }
        break;
      }
      drawEditor();
      edited();
    }

    function inputNames(layerIndex, filter, layer) {
      let names = state.bank.input.channels;
      for (let i = layerIndex - 1; i >= 0; i--) {
        if (state.bank.layers[i].type === "conv") { names = state.bank.layers[i].filters.map((f) => f.name); break; }
      }
      const groups = layer.groups || 1;
      const perGroup = names.length / groups;
      const group = Math.floor(layer.filters.indexOf(filter) / (layer.filters.length / groups));
      return names.slice(group * perGroup, (group + 1) * perGroup);
    }

    function draggable(input, get, set) {
      let start = null;
      input.addEventListener("pointerdown", (e) => { start = { y: e.clientY, value: get(), dragging: false }; });
      window.addEventListener("pointermove", (e) => {
        if (!start) return;
        const dy = start.y - e.clientY;
        if (!start.dragging && Math.abs(dy) < 4) return;
        start.dragging = true;
        set(Math.round((start.value + dy * 0.01) * 1000) / 1000);
      });
      window.addEventListener("pointerup", () => { start = null; });
    }

    function edited() {
      if (state.editedAt === undefined) state.editedAt = performance.now();
      schedule();
      summary();
    }

    // MARK: explain

    // The explained pixel's numbers follow the edits (150 ms after the last); its figure, slower to draw, is
    // redrawn once they pause for half a second, and kept meanwhile.
    async function explain(pixel, withFigure) {
      const box = $("explain");
      clearTimeout(state.figureTimer);
      try {
        const response = await post("/api/explain", JSON.stringify(request(Object.assign({ client: state.client + "/explain" }, pixel))));
        const e = await response.json();
        state.explanation = e;
        box.innerHTML = "<h2>Explain</h2>";
        const p = (text) => { const el = document.createElement("p"); el.textContent = text; box.appendChild(el); return el; };
        p(`layer ${e.layer}, filter ${e.filter}, output pixel (${e.x}, ${e.y}): input rows ${e.rows[0]}..${e.rows[e.rows.length - 1]}, columns ${e.columns[0]}..${e.columns[e.columns.length - 1]}`);
        for (const c of e.channels) {
          const h = document.createElement("h3");
          h.textContent = `${c.name}: patch x kernel, summed = ${c.sum.toPrecision(6)}`;
          box.append(h, grid(c.patch, c.padded, "patch"), grid(c.kernel, null, "kernel"));
        }
        const terms = e.channels.map((c) => c.sum.toPrecision(5)).join(" + ");
        p(`channel sums: ${terms} = ${e.sum.toPrecision(6)} (summed, not averaged: the average would be ${(e.sum / e.channels.length).toPrecision(6)})`);
        p(`+ bias ${e.bias.toPrecision(5)} = ${e.pre_activation.toPrecision(6)}`);
        p(`activation ${e.activation} (${e.activation_formula}) -> ${e.value.toPrecision(6)}`);
        p(`gray ${e.gray} of ${e.maximum_gray} (${e.mapping.normalize}: value = ${e.mapping.offset.toPrecision(4)} + ${e.mapping.gray_step.toPrecision(4)} x gray)`);
        const image = document.createElement("img");
        image.alt = "decomposition figure";
        if (state.figure) image.src = state.figure;
        box.appendChild(image);
        const draw = async () => {
          const figure = await post("/api/figure", JSON.stringify(request(Object.assign({ client: state.client + "/figure" }, pixel))));
          if (state.figure) URL.revokeObjectURL(state.figure);
          state.figure = URL.createObjectURL(await figure.blob());
          image.src = state.figure;
          state.figureDrawn = (state.figureDrawn || 0) + 1;
        };
        if (withFigure) await draw();
        else state.figureTimer = setTimeout(() => draw().catch((error) => { if (error.status !== 409) showError(error.message); }), 500);
      } catch (error) {
        if (error.status !== 409) showError(error.message);
      }
    }

    function grid(rows, padded, label) {
      const table = document.createElement("table");
      table.className = "grid";
      table.setAttribute("aria-label", label);
      rows.forEach((row, y) => {
        const tr = table.insertRow();
        row.forEach((v, x) => {
          const td = tr.insertCell();
          td.textContent = Number(v).toPrecision(3);
          if (padded && padded[y][x]) td.className = "pad";
        });
      });
      return table;
    }

    async function summary() {
      if (!state.picture) return;
      try {
        const response = await post("/api/summary", JSON.stringify(request()));
        $("summary").textContent = (await response.json()).text;
      } catch (error) { /* the maps say what is wrong */ }
    }

    // MARK: the input section

    function drawInput() {
      const box = $("input-section");
      const input = state.bank.input;
      box.innerHTML = "<h2>Input</h2>";
      const line = document.createElement("p");
      line.append(`channels ${input.channels.join(", ")} · samples 0..1 become range `);
      const range = numberInput(input.range.join(","), "range", (text) => { input.range = text.split(",").map(Number); if (input.range.length !== 2 || input.range.some(isNaN)) throw 0; });
      line.append(range, " then (x - mean) / std: mean ");
      line.append(numberInput(input.mean.join(","), "mean", (text) => { input.mean = text.split(",").map(Number); }), " std ");
      line.append(numberInput(input.std.join(","), "std", (text) => { input.std = text.split(",").map(Number); }));
      box.appendChild(line);
    }

    // MARK: choosing pictures and banks

    function setBank(bank) {
      state.bank = bank;
      state.selected = null;
      state.explained = null;
      $("explain").innerHTML = "<h2>Explain</h2>";
      drawInput();
      drawEditor();
      edited();
    }

    function addPicture(picture) {
      state.pictures = state.pictures.filter((p) => p.id !== picture.id).concat([picture]);
      const select = $("picture");
      select.textContent = "";
      for (const p of state.pictures) select.add(new Option(`${p.name} (${p.width}x${p.height})`, p.id));
      select.value = picture.id;
      choosePicture(picture.id);
    }

    function choosePicture(id) {
      state.picture = id;
      const p = state.pictures.find((q) => q.id === id);
      $("picture-note").textContent = p && p.width !== p.original_width
        ? `shown at ${p.width}x${p.height}, scaled down from ${p.original_width}x${p.original_height}` : "";
      schedule();
      summary();
    }

    async function upload(path, file, extra) {
      const query = new URLSearchParams(Object.assign({ name: file.name }, extra || {}));
      const response = await post(`${path}?${query}`, file, "application/octet-stream");
      return response.json();
    }

    $("picture-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      try { addPicture(await upload("/api/picture", file)); showError(""); } catch (error) { showError(error.message); }
      event.target.value = "";
    });
    $("picture").addEventListener("change", () => choosePicture($("picture").value));
    $("bank-name").addEventListener("change", async () => {
      try { setBank(await (await call(`/api/bank?name=${encodeURIComponent($("bank-name").value)}`)).json()); } catch (error) { showError(error.message); }
    });
    $("bank-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      try { setBank((await (await post("/api/bank", file)).json()).bank); showError(""); } catch (error) { showError(error.message); }
      event.target.value = "";
    });
    $("weights-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      const named = $("weights-node").value.trim();
      const extra = {};
      if (named) extra[file.name.toLowerCase().endsWith(".onnx") ? "node" : "weight"] = named;
      if ($("weights-batchnorm").value.trim()) extra.batchnorm = $("weights-batchnorm").value.trim();
      try { setBank((await upload("/api/weights", file, extra)).bank); showError(""); } catch (error) { showError(error.message); }
      event.target.value = "";
    });
    $("download").addEventListener("click", () => {
      const blob = new Blob([JSON.stringify(state.bank, null, 1) + "\n"], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${state.bank.name || "bank"}.json`;
      link.click();
    });
    for (const id of ["normalize", "tie", "average", "shift"]) $(id).addEventListener("change", () => { switchNote(); schedule(); });
    $("colormap").addEventListener("change", drawLayers);

    (async function start() {
      try {
        const s = await (await call("/api/state")).json();
        state.limits = s.limits;
        state.activations = s.activations;
        for (const name of s.banks) $("bank-name").add(new Option(name, name, false, name === s.bank.name));
        if (!s.banks.includes(s.bank.name)) { $("bank-name").add(new Option(s.bank.name, "", true, true)); }
        state.pictures = [];
        for (const p of s.pictures) state.pictures.push(p);
        setBank(s.bank);
        if (s.pictures.length) addPicture(s.pictures[0]);
        else $("status").textContent = "open a picture to begin";
      } catch (error) { showError(error.message); }
    })();
    """#
}
