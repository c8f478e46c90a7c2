import ArgumentParser
struct Swiftlet: ParsableCommand {}
Swiftlet.main()
