import BECFuzzSupport

/// libFuzzer entry: parse + every detector + scoring on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzSupport.message(UnsafeBufferPointer(start: data, count: size))
    return 0
}
