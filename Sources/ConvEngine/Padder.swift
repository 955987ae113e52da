import Basics
import CConvKernels

/// How a padded tensor is made from an input: the input row and column each padded one copies (nil: the
/// fill value), and the layout an inner loop reads. It builds whole padded tensors, or single padded rows
/// on demand (the channels-last kernels pad the few rows they need into a small ring instead).
struct PaddingPlan: @unchecked Sendable {
  /// Where the padded values go.
  enum Layout: Equatable {
    /// (C, H, W), like every tensor.
    case planes
    /// (H, C, W): the rows of all channels that one output row needs are close together in memory.
    case rowsInterleaved
    /// (H, G x chunks, W, chunk): each group's channels in chunks, the chunk's channels of one pixel side by
    /// side, the missing channels of a group's last chunk zero.
    case channelChunks(groups: Int, chunk: Int)
  }

  let layout: Layout
  /// Padded row -> input row, padded column -> input column, or nil for `fill`.
  let rows: [Int?]
  let columns: [Int?]
  /// The input's own columns start here, and are copied as one run.
  let left: Int
  let fill: Float
  let channels: Int
  /// Channels per group in the input and in the padded layout (whole chunks).
  let perGroup: Int
  let paddedChannels: Int
  let chunk: Int
  private let chunksPerGroup: Int
  private let borders: [Int]

  var height: Int { rows.count }
  var width: Int { columns.count }
  /// Floats in one padded row of every channel.
  var rowFloats: Int { paddedChannels * width }

  /// `extraRight` zero columns follow the padding, for SIMD loops that read whole vectors past the last output;
  /// `extraBottom` zero rows, for loops that compute two output rows at a time.
  init(_ input: Tensor, padding: Padding, mode: PaddingMode, extraRight: Int = 0, extraBottom: Int = 0, layout: Layout) {
    self.init(input, layout: layout, fill: 0, left: padding.left,
              rows: (0..<(input.height + padding.top + padding.bottom)).map { mode.sourceIndex($0 - padding.top, side: input.height) }
                + [Int?](repeating: nil, count: extraBottom),
              columns: (0..<(input.width + padding.left + padding.right)).map { mode.sourceIndex($0 - padding.left, side: input.width) }
                + [Int?](repeating: nil, count: extraRight))
  }

  /// Each plane surrounded by `padding` filled with `constant`.
  init(_ input: Tensor, padding: Padding, constant: Float) {
    func source(_ i: Int, _ before: Int, _ side: Int) -> Int? { i - before >= 0 && i - before < side ? i - before : nil }
    self.init(input, layout: .planes, fill: constant, left: padding.left,
              rows: (0..<(input.height + padding.top + padding.bottom)).map { source($0, padding.top, input.height) },
              columns: (0..<(input.width + padding.left + padding.right)).map { source($0, padding.left, input.width) })
  }

  private init(_ input: Tensor, layout: Layout, fill: Float, left: Int, rows: [Int?], columns: [Int?]) {
    self.layout = layout
    self.rows = rows
    self.columns = columns
    self.left = left
    self.fill = fill
    channels = input.channels
    var groups = 1
    var chunk = 1
    if case .channelChunks(let g, let c) = layout { (groups, chunk) = (g, c) }
    self.chunk = chunk
    perGroup = input.channels / groups
    chunksPerGroup = (perGroup + chunk - 1) / chunk
    paddedChannels = groups * chunksPerGroup * chunk
    borders = columns.indices.filter { $0 < left || $0 >= left + input.width }
  }

  /// Whether the padded tensor would be the input itself: nothing added, layout unchanged.
  var isIdentity: Bool {
    let sameLayout = layout == .planes || (layout == .rowsInterleaved && channels == 1)
    return sameLayout && rows.enumerated().allSatisfy { $0.offset == $0.element }
      && columns.enumerated().allSatisfy { $0.offset == $0.element }
  }

  /// The channels of a padded row (the chunks of channels in the chunked layout): how many, and how far
  /// apart they start.
  private var lanes: (count: Int, stride: Int) {
    switch layout {
    case .planes: return (channels, height * width)
    case .rowsInterleaved: return (channels, width)
    case .channelChunks: return (paddedChannels / chunk, width * chunk)
    }
  }

  /// Where channel c of a padded row starts, from where the row's channel 0 starts.
  private func offset(ofChannel c: Int) -> Int {
    switch layout {
    case .planes: return c * height * width
    case .rowsInterleaved: return c * width
    case .channelChunks:
      let inGroup = c % perGroup
      let chunkIndex = (c / perGroup) * chunksPerGroup + inGroup / chunk
      return chunkIndex * width * chunk + inGroup % chunk
    }
  }

  /// Writes padded row `py` of every channel, channel 0 at `row`.
  func writeRow(_ py: Int, of input: Tensor, into row: UnsafeMutablePointer<Float>) {
    guard let sy = rows[py] else {
      if layout == .planes {
        for c in 0..<channels { (row + offset(ofChannel: c)).initialize(repeating: fill, count: width) }
      } else {
        row.initialize(repeating: fill, count: rowFloats)
      }
      return
    }
    // A row of the input: the copy below writes every value but the border columns' (the chunks' missing
    // channels included), so only those are filled first (the whole row was: 6% of a VGG run's profile).
    let lanes = self.lanes
    for lane in 0..<lanes.count {
      for px in borders { (row + lane * lanes.stride + px * chunk).initialize(repeating: fill, count: chunk) }
    }
    input.values.withUnsafeBufferPointer { source in
      for c in 0..<channels {
        let from = source.baseAddress! + c * input.planeSize + sy * input.width
        let to = row + offset(ofChannel: c)
        if chunk == 1 {
          (to + left).update(from: from, count: input.width)
        } else if c % perGroup % chunk == 0 {
          // The chunk's channels together, transposed by SIMD (the layout is only used with a SIMD kernel).
          fm_interleave_chunk(from, input.planeSize, Int32(min(chunk, perGroup - c % perGroup)), Int32(input.width),
                              to + left * chunk)
        }
        for px in borders {
          if let sx = columns[px] { to[px * chunk] = from[sx] }
        }
      }
    }
  }

  /// The whole padded tensor (`channels` counts the padded channels; the order of `values` is the layout's).
  func tensor(from input: Tensor, threads: Int) -> Tensor {
    let values = LargeBuffers.floats(count: paddedChannels * height * width) { target in
      let target = UnsafeMutableSendablePointer(target.baseAddress!)
      Parallel.forEach(height, threads: threads) { py in
        writeRow(py, of: input, into: target.pointer + (layout == .planes ? py * width : py * rowFloats))
      }
    }
    return Tensor(channels: paddedChannels, height: height, width: width, values: values)
  }
}

/// Padded copies of whole tensors, for pooling (conv layers pad through `PreparedConv`).
enum Padder {
  /// Each plane surrounded by `padding` filled with `constant`.
  static func pad(_ input: Tensor, by padding: Padding, constant: Float, threads: Int) -> Tensor {
    let plan = PaddingPlan(input, padding: padding, constant: constant)
    return plan.isIdentity ? input : plan.tensor(from: input, threads: threads)
  }
}
