import BECFuzzSupport

/// libFuzzer entry: the rule-file / config loader on arbitrary YAML.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRules(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzSupport.rules(UnsafeBufferPointer(start: data, count: size))
    return 0
}
