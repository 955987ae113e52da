extension ConvLayer {
  /// The layer that computes this layer's partial maps: each filter's kernel for each input channel of its
  /// group, correlated with that channel alone, before the sum over channels, the bias and the activation.
  ///
  /// It is itself a conv layer: a grouped convolution with one group per input channel, whose filters are
  /// the kernels that read that channel (the filters of its group, each one's kernel for it). Partial map
  /// (f, ci) is its filter `partialIndex(filter: f, channel: ci)`; summing a filter's partials and adding
  /// its bias gives its map before the activation.
  public var partialLayer: ConvLayer {
    let (cpg, fpg, taps) = (channelsPerGroup, filtersPerGroup, kernel.y * kernel.x)
    var partialWeights = [Float](repeating: 0, count: inputChannels * fpg * taps)
    for f in 0..<filterCount {
      for ci in 0..<cpg {
        let target = partialIndex(filter: f, channel: ci) * taps
        let source = (f * cpg + ci) * taps
        partialWeights.replaceSubrange(target..<target + taps, with: weights[source..<source + taps])
      }
    }
    return ConvLayer(
      inputChannels: inputChannels, filterCount: inputChannels * fpg, kernel: kernel, weights: partialWeights, bias: nil,
      stride: stride, dilation: dilation, groups: inputChannels, padding: padding, paddingMode: paddingMode,
      activation: .none, flip: flip)
  }

  /// Where partial map (filter `f`, channel `ci` of its group) is among `partialLayer`'s outputs.
  public func partialIndex(filter f: Int, channel ci: Int) -> Int {
    (firstChannel(ofFilter: f) + ci) * filtersPerGroup + f % filtersPerGroup
  }

  /// The layer that computes filter `f`'s partial maps alone, from the input channels of its group
  /// (`firstChannel(ofFilter: f)` on, `channelsPerGroup` of them): a depthwise layer whose filter `ci` is
  /// `f`'s kernel for channel `ci`. Its outputs equal `partialLayer`'s for `f`, at a `filterCount`th of the cost.
  public func partialLayer(ofFilter f: Int) -> ConvLayer {
    let cpg = channelsPerGroup
    let taps = kernel.y * kernel.x
    return ConvLayer(
      inputChannels: cpg, filterCount: cpg, kernel: kernel, weights: Array(weights[(f * cpg * taps)..<((f + 1) * cpg * taps)]),
      bias: nil, stride: stride, dilation: dilation, groups: cpg, padding: padding, paddingMode: paddingMode, activation: .none,
      flip: flip)
  }
}
