import Testing
@testable import SwiftletSystemd
