import Testing
@testable import SwiftletAgent
