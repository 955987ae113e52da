import Basics
import Foundation

/// A first argument that is no file, no option and no subcommand, but close to a subcommand's name, is a
/// mistyped subcommand (`featuremaps summry edges`): said so, instead of treating it as a picture and
/// complaining about --bank.
enum SubcommandSuggestion {
  static func refusal(for arguments: [String], names: [String]) -> String? {
    guard let first = arguments.first, !first.hasPrefix("-"), !names.contains(first), !first.contains("/"),
      !FileManager.default.fileExists(atPath: first)
    else { return nil }
    let close = names.map { ($0, EditDistance.between(first.lowercased(), $0)) }.filter { $0.1 <= max(1, $0.0.count / 3) }
    guard let best = close.min(by: { $0.1 < $1.1 }) else { return nil }
    return "unknown subcommand '\(first)'; did you mean '\(best.0)'? (featuremaps --help lists them)"
  }
}
