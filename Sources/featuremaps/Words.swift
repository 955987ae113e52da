/// English lists for messages and help: "png, png16 or npy".
enum Words {
  static func list(_ items: [String], _ conjunction: String = "or") -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
  }
}
