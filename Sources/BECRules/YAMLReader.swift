import Yams

/// Typed access to a composed YAML tree that collects errors with file:line:column instead of
/// throwing at the first one.
final class YAMLReader {
    let file: String
    private(set) var errors: [ConfigError] = []

    init(file: String) { self.file = file }

    /// Parses `text`; a syntax error is recorded with its position.
    func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                errors.append(ConfigError(file: file, line: mark.line, column: mark.column, "YAML syntax: \(problem)"))
            default:
                errors.append(ConfigError(file: file, "YAML: \(e)"))
            }
        } catch {
            errors.append(ConfigError(file: file, "YAML: \(error)"))
        }
        return nil
    }

    func error(_ node: Node?, _ message: String) {
        errors.append(ConfigError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message))
    }

    /// A mapping's entries by key; unknown keys are errors.
    func mapping(_ node: Node?, _ what: String, allowed: Set<String>) -> [String: Node] {
        guard let node else { return [:] }
        guard let m = node.mapping else {
            error(node, "\(what) must be a mapping")
            return [:]
        }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.string else { error(k, "\(what): keys must be strings"); continue }
            if !allowed.isEmpty && !allowed.contains(key) {
                error(k, "unknown key '\(key)' in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            if out[key] != nil { error(k, "duplicate key '\(key)' in \(what)") }
            out[key] = v
        }
        return out
    }

    /// Mapping entries in document order (for symbol tables), with their key nodes.
    func entries(_ node: Node?, _ what: String) -> [(String, Node, Node)] {
        guard let node else { return [] }
        guard let m = node.mapping else { error(node, "\(what) must be a mapping"); return [] }
        return m.compactMap { k, v in
            guard let key = k.string else { error(k, "\(what): keys must be strings"); return nil }
            return (key, k, v)
        }
    }

    func string(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard let s = node.scalar?.string else { error(node, "\(what) must be a string"); return nil }
        return s
    }

    func strings(_ node: Node?, _ what: String) -> [String] {
        guard let node else { return [] }
        if let s = node.scalar?.string { return [s] }
        guard let seq = node.sequence else { error(node, "\(what) must be a list of strings"); return [] }
        return seq.compactMap { n in
            guard let s = n.scalar?.string else { error(n, "\(what) entries must be strings"); return nil }
            return s
        }
    }

    func list(_ node: Node?, _ what: String) -> [Node] {
        guard let node else { return [] }
        guard let seq = node.sequence else { error(node, "\(what) must be a list"); return [] }
        return Array(seq)
    }

    func double(_ node: Node?, _ what: String, range: ClosedRange<Double>) -> Double? {
        guard let node else { return nil }
        guard let v = node.float ?? node.int.map(Double.init) else { error(node, "\(what) must be a number"); return nil }
        guard range.contains(v) else { error(node, "\(what) = \(v) is out of range \(range.lowerBound)...\(range.upperBound)"); return nil }
        return v
    }

    func int(_ node: Node?, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let node else { return nil }
        guard let v = node.int else { error(node, "\(what) must be an integer"); return nil }
        guard range.contains(v) else { error(node, "\(what) = \(v) is out of range \(range.lowerBound)...\(range.upperBound)"); return nil }
        return v
    }

    func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        guard let v = node.bool else { error(node, "\(what) must be true or false"); return nil }
        return v
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node?, _ what: String, _: T.Type) -> T? where T.RawValue == String {
        guard let s = string(node, what) else { return nil }
        guard let v = T(rawValue: s) else {
            error(node, "\(what) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not '\(s)'")
            return nil
        }
        return v
    }
}
