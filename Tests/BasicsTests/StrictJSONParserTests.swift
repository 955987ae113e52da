import XCTest

@testable import Basics

final class StrictJSONParserTests: XCTestCase {
  func parse(_ text: String) throws -> JSONValue { try StrictJSONParser.parse(Array(text.utf8)) }

  func testAcceptsRFC8259() throws {
    XCTAssertEqual(try parse(" {\"a\": [1, -2.5e3, true, false, null, \"\\u00e9\\n\\ud83d\\ude00\"]} "),
                   .object([("a", .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("é\n😀")]))]))
    XCTAssertEqual(try parse("0"), .number(0))
  }

  func testRefusesWhatFoundationAccepts() {
    for text in ["[1,]", "{\"a\": 1,}", "{\"a\": 1, \"a\": 2}", "01", "[1] x", "// c\n1", "NaN", "[.5]", "\"\t\"", "{a: 1}", "",
                 String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
      XCTAssertThrowsError(try parse(text), text)
    }
  }

  func testSerializesWhatItParses() throws {
    let value = try parse("{\"k\": [1, 2.5, \"q\\\"\"], \"o\": {}, \"e\": []}")
    XCTAssertEqual(try parse(ReadableJSON.text(value)), value)
    XCTAssertEqual(try parse(value.compact), value)
  }
}
