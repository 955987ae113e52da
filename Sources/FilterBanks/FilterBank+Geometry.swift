import ConvEngine

/// A bank that cannot be applied to a picture of some size (a kernel larger than the padded picture, a
/// reflect padding wider than it): a property of the pair, found before any work is done.
public struct BankMismatchError: Error, Equatable, CustomStringConvertible, Sendable {
  public var bank: String
  public var width: Int
  public var height: Int
  /// The first layer that does not fit, and why.
  public var shape: ShapeError

  public init(bank: String, width: Int, height: Int, shape: ShapeError) {
    self.bank = bank
    self.width = width
    self.height = height
    self.shape = shape
  }

  public var description: String { "the bank \(bank) does not fit this \(width)x\(height) picture: \(shape)" }
}

extension FilterBank {
  /// Every layer's geometry on a picture of `width` x `height` (padding resolved, output sizes, the
  /// interior that no padding reached), or why the bank does not fit it.
  public func geometries(width: Int, height: Int) throws(BankMismatchError) -> [LayerGeometry] {
    do throws(ShapeError) {
      return try LayerGeometry.chain(network, height: height, width: width)
    } catch {
      throw BankMismatchError(bank: name, width: width, height: height, shape: error)
    }
  }
}
