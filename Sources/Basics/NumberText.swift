/// Numbers as featuremaps prints them for people.
public enum NumberText {
  /// A count and its noun, singular or plural as the count asks: "1 filter", "64 filters".
  public static func counted(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
  }

  /// A whole number in groups of three digits: 118,013,952.
  public static func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var groups: [Substring] = []
    var end = digits.endIndex
    while end > digits.startIndex {
      let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
      groups.insert(digits[start..<end], at: 0)
      end = start
    }
    return (n < 0 ? "-" : "") + groups.joined(separator: ",")
  }
}
