import Yams

/// How one key of a mapping is read into the model: the key's description and a decoder that
/// writes the value into the enclosing struct.
struct ConfigField<Root> {
    typealias Decode = (_ value: Node, _ root: inout Root, _ path: String, _ decoder: ConfigDecoder) throws(ConfigError) -> Void

    var key: ConfigKey
    var decode: Decode

    /// A key holding one value of the model, read by `read`.
    static func value<Value>(
        _ name: String,
        _ keyPath: WritableKeyPath<Root, Value>,
        environment: ConfigKey.EnvironmentSpelling = .yaml,
        _ read: @escaping (_ decoder: ConfigDecoder, _ value: Node, _ path: String) throws(ConfigError) -> Value
    ) -> Self {
        ConfigField(key: ConfigKey(name, environment: environment)) { (node, root, path, decoder) throws(ConfigError) in
            root[keyPath: keyPath] = try read(decoder, node, path)
        }
    }

    /// A key holding a nested mapping whose keys are `fields`. Keys it leaves out keep their
    /// current value, and null leaves them all alone, so a section whose keys are all commented
    /// out means its defaults.
    static func section<Value>(_ name: String, _ keyPath: WritableKeyPath<Root, Value>, _ fields: [ConfigField<Value>]) -> Self {
        ConfigField(key: ConfigKey(name, environment: .yaml, children: fields.map(\.key))) { (node, root, path, decoder) throws(ConfigError) in
            try decoder.decode(node, path, fields: fields, into: &root[keyPath: keyPath])
        }
    }

    /// A section that is off unless given (`colonies`): null turns it off, a mapping turns it on,
    /// starting from `blank` (required keys empty) or merging into the keys already set, as
    /// `section` does. Required keys are checked by `ConfigValidator` once the file and every
    /// override are in, so that variables alone can turn the section on.
    static func optionalSection<Value>(_ name: String, _ keyPath: WritableKeyPath<Root, Value?>, blank: Value, _ fields: [ConfigField<Value>]) -> Self {
        ConfigField(key: ConfigKey(name, environment: .yaml, children: fields.map(\.key))) { (node, root, path, decoder) throws(ConfigError) in
            guard !ConfigDecoder.isNull(node) else {
                decoder.noteSet(path, node: node)
                root[keyPath: keyPath] = nil
                return
            }
            var value = root[keyPath: keyPath] ?? blank
            // Where the section was turned on is where a missing required key gets blamed.
            if root[keyPath: keyPath] == nil { decoder.noteSet(path, node: node) }
            try decoder.decode(node, path, fields: fields, into: &value)
            root[keyPath: keyPath] = value
        }
    }
}
