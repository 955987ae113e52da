/// Arithmetic on numbers that come from files (picture headers, bank shapes, weights headers): an
/// overflow is a value the caller turns into a one-line refusal, never a trap.
public enum Checked {
  /// The product of `factors`, or nil when it does not fit an Int (or a factor is negative).
  public static func product(_ factors: Int...) -> Int? { product(of: factors) }

  public static func product<Factors: Sequence<Int>>(of factors: Factors) -> Int? {
    var result = 1
    for factor in factors {
      guard factor >= 0 else { return nil }
      let (value, overflow) = result.multipliedReportingOverflow(by: factor)
      if overflow { return nil }
      result = value
    }
    return result
  }

  /// The sum of `terms`, or nil when it does not fit an Int.
  public static func sum(_ terms: Int...) -> Int? {
    var result = 0
    for term in terms {
      let (value, overflow) = result.addingReportingOverflow(term)
      if overflow { return nil }
      result = value
    }
    return result
  }
}
