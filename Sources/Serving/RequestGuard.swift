/// Which requests the live page's server answers: only those a page it served itself sends. A web site the
/// user visits could otherwise make the user's browser send requests to 127.0.0.1 (cross-site requests),
/// or point a name of its own at 127.0.0.1 (DNS rebinding); both carry a `Host` or `Origin` that is not
/// the server's own address.
public struct RequestGuard: Sendable {
  /// The host names the server answers to: the loopback names and the address it is bound to.
  public let hosts: Set<String>
  public let port: Int

  public init(boundAddress: String, port: Int) {
    var hosts: Set<String> = ["127.0.0.1", "localhost", "[::1]"]
    hosts.insert(boundAddress.contains(":") ? "[\(boundAddress)]" : boundAddress)
    hosts.remove("0.0.0.0")
    hosts.remove("[::]")
    self.hosts = hosts
    self.port = port
  }

  /// Why a request with these headers is refused, or nil when it may be answered. `Host` is required
  /// (HTTP/1.1) and must name this server; `Origin`, when the browser sends one, must be this server's.
  public func refusal(host: String?, origin: String?) -> String? {
    guard let host, accepts(hostAndPort: host) else {
      return "refused: the request's Host (\(host ?? "none")) is not this server's address"
    }
    if let origin, origin != "null" {
      guard origin.hasPrefix("http://"), accepts(hostAndPort: String(origin.dropFirst("http://".count))) else {
        return "refused: the request comes from another site (Origin \(origin))"
      }
    } else if origin == "null" {
      return "refused: the request comes from a page without an origin (a file or a sandbox)"
    }
    return nil
  }

  /// `name:port`, or `name` alone for port 80 (browsers leave the default port out).
  private func accepts(hostAndPort: String) -> Bool {
    let text = hostAndPort.lowercased()
    guard let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") else { return port == 80 && hosts.contains(text) }
    let (name, portText) = (String(text[..<colon]), text[text.index(after: colon)...])
    return Int(portText) == port && hosts.contains(name)
  }
}
