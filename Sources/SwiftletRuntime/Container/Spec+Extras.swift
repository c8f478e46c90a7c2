import Foundation

extension Spec.Process {
    /// Decodes a process (`exec --process process.json`); errors name `file` and the JSON path.
    public static func decode(_ data: Data, file: String) throws -> Spec.Process {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Array(data))
        } catch let error as JSONValue.SyntaxError {
            throw SpecError(.decode, path: "", "invalid JSON at \(error)", file: file)
        }
        do {
            return try JSONValueDecoder.decode(Spec.Process.self, from: value)
        } catch let error as DecodingError {
            throw Spec.specError(error, file: file)
        }
    }
}

extension State {
    /// A JSON array of states, as `runc list --format json` prints it.
    public static func listJSON(_ states: [State]) -> Data {
        var out = Data("[".utf8)
        for (i, state) in states.enumerated() {
            if i > 0 { out.append(Data(",".utf8)) }
            out.append(state.jsonData(prettyPrinted: false))
        }
        out.append(Data("]".utf8))
        return out
    }
}
