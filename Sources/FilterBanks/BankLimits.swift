/// Limits that keep a bank from making the tool allocate gigabytes; far beyond any real first layers.
public enum BankLimits {
  public static let maximumFileBytes = 64 << 20
  public static let maximumLayers = 32
  public static let maximumFilters = 1024
  public static let maximumKernelSide = 64
  public static let maximumStrideOrDilation = 64
  public static let maximumPadding = 1024
  /// All weights of all layers together: 16 Mi values, 64 MiB as Float32.
  public static let maximumWeights = 1 << 24
  public static let maximumNameLength = 64
}
