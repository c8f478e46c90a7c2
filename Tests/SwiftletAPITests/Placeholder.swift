import Testing
@testable import SwiftletAPI
