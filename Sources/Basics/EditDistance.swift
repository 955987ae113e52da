/// Levenshtein distance, to suggest the names closest to a misspelt one.
public enum EditDistance {
  public static func between(_ a: String, _ b: String) -> Int {
    let (x, y) = (Array(a.unicodeScalars), Array(b.unicodeScalars))
    guard !x.isEmpty else { return y.count }
    guard !y.isEmpty else { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      current[0] = i
      for j in 1...y.count {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
      }
      swap(&previous, &current)
    }
    return previous[y.count]
  }
}
